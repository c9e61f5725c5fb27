using System.Text.Json.Nodes;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Optimizer.PromptCompress;

namespace TokenOps.Optimizer.Tests.PromptCompress;

public sealed class PromptCompressorTests
{
    private const string Code = "```python\ndef f(x):\n    if x:   # keep   these   spaces\n        return  x\n\n\n\n    return None\n```";

    [Fact]
    public void Compress_ProseWithRuns_CollapsedAndTrimmed()
    {
        var result = PromptCompressor.Compress("Please   review\tthis  code.   \n\n\n\nThanks!  ", foldDuplicates: true);

        Assert.Equal("Please review this code.\n\nThanks!", result);
    }

    [Fact]
    public void Compress_FencedCode_ByteForByteIntact()
    {
        var text = "Look  at   this:\n" + Code + "\nWhat   is   wrong?";

        var result = PromptCompressor.Compress(text, foldDuplicates: true);

        Assert.Equal("Look at this:\n" + Code + "\nWhat is wrong?", result);
    }

    [Fact]
    public void Compress_IndentedCodeLines_KeepIndentationAndInnerSpaces()
    {
        var text = "Here is the loop:\n\n    for i in range(10):\n        print(i,    i * 2)\n\nWhy  slow?";

        var result = PromptCompressor.Compress(text, foldDuplicates: true);

        Assert.Equal("Here is the loop:\n\n    for i in range(10):\n        print(i,    i * 2)\n\nWhy slow?", result);
    }

    [Fact]
    public void Compress_SmartQuotesAndOddSpaces_BecomeAscii()
    {
        var result = PromptCompressor.Compress("He said \u201Chello\u201D and \u2018bye\u2019\u00A0now\u200B.", foldDuplicates: true);

        Assert.Equal("He said \"hello\" and 'bye' now.", result);
    }

    [Fact]
    public void Compress_HtmlComments_RemovedInProseOnly()
    {
        var text = "Intro <!-- internal: ignore --> text\n<!--\nmulti\nline\n-->\nAfter\n```html\n<!-- kept in code -->\n```";

        var result = PromptCompressor.Compress(text, foldDuplicates: true);

        Assert.Equal("Intro text\n\nAfter\n```html\n<!-- kept in code -->\n```", result);
    }

    [Fact]
    public void Compress_DuplicateAdjacentLines_FoldedWithCount()
    {
        var text = "Log:\nERROR connection refused\nERROR connection refused\nERROR connection refused\nINFO retrying";

        var result = PromptCompressor.Compress(text, foldDuplicates: true);

        Assert.Equal("Log:\nERROR connection refused [×3]\nINFO retrying", result);
    }

    [Fact]
    public void Compress_UnclosedComment_LeftAlone()
    {
        Assert.Equal("a <!-- never closed\nb", PromptCompressor.Compress("a  <!-- never closed\nb", foldDuplicates: true));
    }

    public static TheoryData<string, string, string> ProviderCases => new()
    {
        {
            "openai",
            """{"model":"gpt-4o","messages":[{"role":"system","content":"You  are   a helpful    assistant.\n\n\n\nBe concise."},{"role":"user","content":"Fix   this:\n```js\nconst  a =   1;\n```\n\n\n\nThanks   a lot!"}]}""",
            """{"model":"gpt-4o","messages":[{"role":"system","content":"You are a helpful assistant.\n\nBe concise."},{"role":"user","content":"Fix this:\n```js\nconst  a =   1;\n```\n\nThanks a lot!"}]}"""
        },
        {
            "openai",
            """{"model":"gpt-4o","instructions":"Answer   briefly.\n\n\n\nUse   English.","input":[{"role":"user","content":[{"type":"input_text","text":"Why   is   the   sky   blue?   "}]}]}""",
            """{"model":"gpt-4o","instructions":"Answer briefly.\n\nUse English.","input":[{"role":"user","content":[{"type":"input_text","text":"Why is the sky blue?"}]}]}"""
        },
        {
            "anthropic",
            """{"model":"claude-sonnet-4-5","max_tokens":512,"system":[{"type":"text","text":"You   review   code.\n\n\n\nBe strict."}],"messages":[{"role":"user","content":[{"type":"text","text":"Review:\n\n    def  f():\n        return   1\n\n\n\nPlease    explain."}]},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"lint","input":{"path":"a  b.py"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"line  1:   E501\n\n\n\nline 2"}]}]}""",
            """{"model":"claude-sonnet-4-5","max_tokens":512,"system":[{"type":"text","text":"You review code.\n\nBe strict."}],"messages":[{"role":"user","content":[{"type":"text","text":"Review:\n\n    def  f():\n        return   1\n\nPlease explain."}]},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"lint","input":{"path":"a  b.py"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"line  1:   E501\n\n\n\nline 2"}]}]}"""
        },
        {
            "gemini",
            """{"systemInstruction":{"parts":[{"text":"You   are   terse.\n\n\n\n"}]},"contents":[{"role":"user","parts":[{"text":"Summarise   <!-- tracking id 42 -->   this:\n\n\n\nThe   quick   brown   fox."}]}]}""",
            """{"systemInstruction":{"parts":[{"text":"You are terse."}]},"contents":[{"role":"user","parts":[{"text":"Summarise this:\n\nThe quick brown fox."}]}]}"""
        },
    };

    [Theory]
    [MemberData(nameof(ProviderCases))]
    public void Propose_ProviderBody_ExpectedRewriteAndExactTokenSaving(string provider, string input, string expected)
    {
        var request = TestBodies.Request(provider, input);

        var outcome = TestBodies.RunOne(new PromptCompressor(new OptimizerOptions()), request);

        var recommendation = Assert.Single(outcome.Recommendations);
        Assert.Equal(OptimizerKinds.PromptCompress, recommendation.Kind);
        Assert.True(JsonNode.DeepEquals(TestBodies.Parse(expected), outcome.Body), outcome.Body.ToJsonString());
        var before = TestBodies.Tokens(provider, TestBodies.Parse(input));
        var after = TestBodies.Tokens(provider, TestBodies.Parse(expected));
        Assert.True(before > after);
        Assert.Equal(before - after, recommendation.EstimatedTokensSaved);
        Assert.Equal(before, recommendation.TokensBefore);
        TestBodies.AssertProviderValid(provider, outcome.Body);
        Assert.True(JsonNode.DeepEquals(TestBodies.Parse(input), request.Body), "the request body must not be mutated");
    }

    [Fact]
    public void Propose_OpenAIChat_ExactTokenCounts()
    {
        // o200k_base (exact for gpt-4o): the numbers below are what js-tiktoken reports for these messages.
        var request = TestBodies.Request("openai", """{"model":"gpt-4o","messages":[{"role":"user","content":"Hello    there,      how     are    you?\n\n\n\n\nI   need   help."}]}""");

        var recommendation = Assert.Single(TestBodies.RunOne(new PromptCompressor(new OptimizerOptions()), request).Recommendations);

        Assert.Equal(TestBodies.Tokens("openai", TestBodies.Parse("""{"model":"gpt-4o","messages":[{"role":"user","content":"Hello    there,      how     are    you?\n\n\n\n\nI   need   help."}]}""")), recommendation.TokensBefore);
        Assert.Equal(TestBodies.Tokens("openai", TestBodies.Parse("""{"model":"gpt-4o","messages":[{"role":"user","content":"Hello there, how are you?\n\nI need help."}]}""")), recommendation.TokensAfter);
        Assert.Equal(PromptCompressor.WhitespaceQuality, recommendation.Quality);
        Assert.NotNull(recommendation.EstimatedUsdSaved);
        Assert.True(recommendation.EstimatedUsdSaved > 0);
    }

    [Fact]
    public void Propose_AlreadyClean_NoRecommendation()
    {
        var request = TestBodies.Request("openai", """{"model":"gpt-4o","messages":[{"role":"user","content":"Hello there.\n\nThanks."}]}""");

        Assert.Empty(TestBodies.RunOne(new PromptCompressor(new OptimizerOptions()), request).Recommendations);
    }

    [Fact]
    public void Propose_OpenAIToolMessage_ToolOutputUntouched()
    {
        var json = """{"model":"gpt-4o","messages":[{"role":"user","content":"Run   it   please"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"run","arguments":"{\"cmd\":\"ls   -la\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"total  8\n\n\n\ndrwx   a"}]}""";

        var outcome = TestBodies.RunOne(new PromptCompressor(new OptimizerOptions()), TestBodies.Request("openai", json));

        var messages = (JsonArray)outcome.Body["messages"]!;
        Assert.Equal("Run it please", TestBodies.Text(messages[0]!["content"]));
        Assert.Equal("{\"cmd\":\"ls   -la\"}", TestBodies.Text(messages[1]!["tool_calls"]![0]!["function"]!["arguments"]));
        Assert.Equal("total  8\n\n\n\ndrwx   a", TestBodies.Text(messages[2]!["content"]));
        TestBodies.AssertProviderValid("openai", outcome.Body);
    }

    [Fact]
    public void NormaliseProse_UnchangedLinesSkipTheCopy_AndEveryLineMatchesTheRewrite()
    {
        // The no-copy route must answer exactly what the rewrite does: random lines over the characters it treats
        // specially, plus the edge cases by hand.
        Assert.Same("plain words here", PromptCompressor.NormaliseProse("plain words here"));
        Assert.Same("  indented line", PromptCompressor.NormaliseProse("  indented line"));
        Assert.Equal("", PromptCompressor.NormaliseProse(" \t "));
        Assert.Equal("a b", PromptCompressor.NormaliseProse("a  b"));
        Assert.Equal("a", PromptCompressor.NormaliseProse("a "));

        char[] alphabet = ['a', 'b', ' ', ' ', '\t', '\r', '\u201C', '\u201D', '\u201E', '\u201F', '\u2018', '\u2019', '\u201A', '\u201B',
            '\u00A0', '\u2007', '\u202F', '\u200B', '\uFEFF', '"', '\'', '#', '-', '\u00E9'];
        var random = new Random(20261204);
        for (var n = 0; n < 20_000; n++)
        {
            var chars = new char[random.Next(0, 12)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = random.Next(3) == 0 ? 'x' : alphabet[random.Next(alphabet.Length)];
            }

            var line = new string(chars);
            Assert.Equal(PromptCompressor.RewriteProse(line), PromptCompressor.NormaliseProse(line));
        }
    }

    [Fact]
    public void Compress_TextsAlreadyCompressedSkipTheRewrite_AndTheSkipIsNeverWrong()
    {
        Assert.True(PromptCompressor.IsCompressed("You are terse.", foldDuplicates: true));
        Assert.False(PromptCompressor.IsCompressed("a\n\n\nb", foldDuplicates: true));
        Assert.False(PromptCompressor.IsCompressed("\na", foldDuplicates: true));
        Assert.False(PromptCompressor.IsCompressed("a\n", foldDuplicates: true));
        Assert.False(PromptCompressor.IsCompressed("same\nsame", foldDuplicates: true));
        Assert.True(PromptCompressor.IsCompressed("same\nsame", foldDuplicates: false));
        Assert.False(PromptCompressor.IsCompressed("keep <!-- drop --> this", foldDuplicates: true));
        var clean = "Line one.\n\n  - item\n    code line";
        Assert.Same(clean, PromptCompressor.Compress(clean, foldDuplicates: true));

        // Random texts over the lines each rule is about: whenever the skip says "already compressed", the rewrite must
        // agree, with and without folding.
        string[] lines = ["", "", "a", "b", "a b", "  a", "    code  x", "\tcode", "```", "~~~", "````", "a  b", "a ", " ", "<!-- c -->",
            "x -->", "<!-- open", "dup", "dup", "\u201Cq\u201D", "\u00A0a", "b\r", "- item"];
        var random = new Random(20261205);
        var skipped = 0;
        for (var n = 0; n < 20_000; n++)
        {
            var text = string.Join('\n', Enumerable.Range(0, random.Next(1, 8)).Select(_ => lines[random.Next(lines.Length)]));
            foreach (var fold in new[] { true, false })
            {
                var stats = new PromptCompressor.CompressStats();
                var rewritten = PromptCompressor.Rewrite(text, fold, ref stats);
                if (PromptCompressor.IsCompressed(text, fold))
                {
                    skipped++;
                    Assert.Equal(text, rewritten);
                }

                Assert.Equal(rewritten, PromptCompressor.Compress(text, fold));
            }
        }

        Assert.True(skipped > 2_000, $"only {skipped} of 40000 texts took the skip: the test no longer exercises it");
    }
}
