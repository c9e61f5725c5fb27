using System.Text.Json;
using System.Text.Json.Nodes;
using TokenOps.Optimizer.Body;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Optimizer.Tests.Eval;

namespace TokenOps.Optimizer.Tests.Body;

/// <summary>
/// <see cref="PromptOutline.Read"/> (over the parsed JSON) must see exactly what <see cref="PromptDocument"/> sees (over
/// the tree): the same support decision, dialect, conversation and slots. The awkward bodies below are the shapes each
/// dialect rule exists for (JSON nulls, non-string values, part arrays, tool results, thoughts, Responses items).
/// </summary>
public sealed class PromptOutlineTests
{
    public static TheoryData<string, string?, string> Awkward() => new()
    {
        // OpenAI chat
        { "openai", "chat", """{"model":"gpt-4o","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"hi"}]}""" },
        { "openai", "chat", """{"messages":[{"role":"developer","content":[{"type":"text","text":"Rules."},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":42}]},{"role":"user","content":null}]}""" },
        { "openai", "chat", """{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"result text"},{"role":"function","name":"f","content":"old style"}]}""" },
        { "openai", "chat", """{"messages":[{"content":"no role"},{"role":7,"content":"numeric role"},"not an object",null,{"role":"critic","content":"custom role"},{"role":"user","content":[{"text":"part without type"},{"text":null},5]}]}""" },
        { "openai", "chat", """{"messages":[{"role":"user","content":"first"},{"role":"system","content":"late system"}]}""" },
        { "openai", "chat", """{"messages":{"role":"user"}}""" },
        { "openai", "chat", """{"messages":null,"input":null}""" },
        { "openai", "chat", """{"model":"text-embedding-3-small","input":{"weird":true}}""" },
        { "openai", "chat", """{"messages":[]}""" },
        // OpenAI Responses
        { "openai", "responses", """{"model":"gpt-4o","instructions":"Be brief.","input":"What is 2+2?"}""" },
        { "openai", "responses", """{"instructions":12,"input":true}""" },
        { "openai", "responses", """{"instructions":null,"input":[{"role":"developer","content":"dev"},{"type":"message","role":"user","content":[{"type":"input_text","text":"hello"}]},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":"tool says"},{"type":"custom_tool_call_output","output":[{"type":"output_text","text":"custom out"}]},{"type":"reasoning","content":"thinking"},{"type":"custom_tool_call","input":"x","content":"hidden"}]}""" },
        { "openai", "responses", """{"input":{"role":"user"}}""" },
        { "openai", "responses", """{"input":null}""" },
        { "openai", null, """{"input":[{"role":"user","content":"chat-less responses"}]}""" },
        { "openai", "chat", """{"input":[{"role":"user","content":"no messages: responses"}],"messages":null}""" },
        // Anthropic
        { "anthropic", "messages", """{"model":"claude-sonnet-4-5","system":"Sys prompt","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"hello"},{"type":"tool_use","id":"t","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"result"},{"type":"tool_result","tool_use_id":"u","content":[{"type":"text","text":"nested"},{"type":"image"}]}]}]}""" },
        { "anthropic", "messages", """{"system":[{"type":"text","text":"block one","cache_control":{"type":"ephemeral"}},{"type":"text","text":7},{"type":"text"},{"text":"untyped"},{"type":"tool_result","content":"odd"}],"messages":[{"content":"no role"},{"role":"user","content":[]},{"role":"user","content":[{"type":"tool_result","content":"only result"}]},{"role":"user","content":null}]}""" },
        { "anthropic", "messages", """{"messages":"nope"}""" },
        { "anthropic", "messages", """{"system":null,"messages":[null,1,{"role":"assistant","content":"a"}]}""" },
        // Gemini
        { "gemini", "generateContent", """{"systemInstruction":{"parts":[{"text":"Be kind."},{"text":"and short"}]},"contents":[{"role":"user","parts":[{"text":"hi"},{"inlineData":{"mimeType":"image/png","data":"AA=="}}]},{"role":"model","parts":[{"text":"thought","thought":true},{"text":"answer"},{"functionCall":{"name":"f","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}}]},{"parts":[{"text":"no role"}]}]}""" },
        { "gemini", "generateContent", """{"systemInstruction":null,"system_instruction":{"parts":[{"text":"snake case"}]},"contents":[{"role":"user","parts":[{"function_response":{"name":"f"}},{"text":"mixed","thought":null}]},{"role":"user","parts":[]},{"role":"user"}]}""" },
        { "gemini", "generateContent", """{"systemInstruction":"a string","contents":[{"role":"user","parts":"not an array"}]}""" },
        { "gemini", "streamGenerateContent", """{"contents":{}}""" },
        { "unknown", "chat", """{"messages":[{"role":"user","content":"default dialect for an unknown provider"}]}""" },
    };

    [Theory]
    [MemberData(nameof(Awkward))]
    public void Read_AwkwardBody_SeesWhatTheDocumentSees(string provider, string? operation, string json)
    {
        AssertSame(provider, operation, json);
    }

    [Fact]
    public void Read_EvalCorpus_SeesWhatTheDocumentSees()
    {
        foreach (var prompt in EvalCorpus.Build())
        {
            AssertSame(prompt.Provider, TestBodies.OperationFor(prompt.Provider, prompt.Body), prompt.Body.ToJsonString());
        }
    }

    [Fact]
    public void Read_NotAnObject_Null()
    {
        using var array = JsonDocument.Parse("[1,2]");
        Assert.Null(PromptOutline.Read("openai", "chat", array.RootElement));
    }

    [Theory]
    [MemberData(nameof(Awkward))]
    public void Run_WithBodyElement_SameOutcomeAsFromTheTree(string provider, string? operation, string json)
    {
        // Low thresholds so that every optimizer engages somewhere in the table; no latency budget (a cold JIT is slow).
        var options = new OptimizerOptions { DedupeMinTokens = 1, ContextTrimMaxTokens = 5, RetrievalMinBlockTokens = 2, CacheHintMinTokens = 1, LatencyBudgetMs = 1e9 };
        foreach (var mode in new[] { PipelineRunMode.Passive, PipelineRunMode.Interactive, PipelineRunMode.Replay })
        {
            // A pipeline each: prompt_cache_hint remembers the prefixes it has seen.
            using var parsed = JsonDocument.Parse(json);
            var fromElement = new OptimizationPipeline(options, TestBodies.Stamper)
                .Run(Request(provider, operation, JsonObject.Create(parsed.RootElement)!, parsed.RootElement), mode);
            var fromTree = new OptimizationPipeline(options, TestBodies.Stamper).Run(Request(provider, operation, TestBodies.Parse(json), null), mode);

            Assert.Equal(fromTree.Supported, fromElement.Supported);
            Assert.Equal(Describe(fromTree), Describe(fromElement));
            Assert.True(JsonNode.DeepEquals(fromTree.Body, fromElement.Body));
        }
    }

    private static OptimizationRequest Request(string provider, string? operation, JsonObject body, JsonElement? element) => new()
    {
        Provider = provider,
        Operation = operation ?? "chat",
        Model = TestBodies.ModelFor(provider),
        Body = body,
        BodyElement = element,
    };

    private static string Describe(OptimizationOutcome outcome) => string.Join("\n", outcome.Recommendations.Select(r =>
        $"{r.Kind} {r.Decision} {r.TokensBefore}->{r.TokensAfter} {r.Reason}")) + $"\n{outcome.AppliedKinds} {outcome.TokensBefore}->{outcome.TokensAfter}";

    private static void AssertSame(string provider, string? operation, string json)
    {
        using var parsed = JsonDocument.Parse(json);
        var outline = PromptOutline.Read(provider, operation, parsed.RootElement);
        var document = PromptDocument.Create(provider, operation, TestBodies.Parse(json));
        if (document is null)
        {
            Assert.Null(outline);
            return;
        }

        Assert.NotNull(outline);
        Assert.Equal(document.Dialect, outline.Dialect);
        Assert.Equal(document.Container is not null, outline.HasConversation);
        Assert.Equal(document.Messages.Count, outline.MessageCount);
        Assert.Equal(Slots(document.Slots()), Slots(outline.Slots));
        Assert.Equal(Slots(PromptOutline.Of(document).Slots), Slots(outline.Slots));
        Assert.Equal(
            PromptOutline.FirstSystemSlot(document.ReadOnlySlots, document.Dialect)?.Text,
            PromptOutline.FirstSystemSlot(outline.Slots, outline.Dialect)?.Text);
    }

    private static List<string> Slots<T>(IReadOnlyList<T> slots)
        where T : ISlot => slots.Select(s => $"{s.Message}|{s.Role}|{s.Kind}|{s.Text}").ToList();
}
