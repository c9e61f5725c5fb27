namespace TokenOps.Tokenizers.Tests;

public sealed class TokenizerRegistryTests
{
    [Theory]
    [InlineData("gpt-4o", TokenizerKind.O200kBase, true)]
    [InlineData("gpt-4o-mini-2024-07-18", TokenizerKind.O200kBase, true)]
    [InlineData("gpt-4.1-nano", TokenizerKind.O200kBase, true)]
    [InlineData("gpt-4.5-preview", TokenizerKind.O200kBase, true)]
    [InlineData("gpt-5", TokenizerKind.O200kBase, true)]
    [InlineData("gpt-5-mini", TokenizerKind.O200kBase, true)]
    [InlineData("o1-preview", TokenizerKind.O200kBase, true)]
    [InlineData("o3-mini", TokenizerKind.O200kBase, true)]
    [InlineData("o4-mini", TokenizerKind.O200kBase, true)]
    [InlineData("chatgpt-4o-latest", TokenizerKind.O200kBase, true)]
    [InlineData("ft:gpt-4o-mini:acme::abc123", TokenizerKind.O200kBase, true)]
    [InlineData("GPT-4O", TokenizerKind.O200kBase, true)]
    [InlineData("gpt-4", TokenizerKind.Cl100kBase, true)]
    [InlineData("gpt-4-turbo", TokenizerKind.Cl100kBase, true)]
    [InlineData("gpt-3.5-turbo", TokenizerKind.Cl100kBase, true)]
    [InlineData("text-embedding-3-small", TokenizerKind.Cl100kBase, true)]
    [InlineData("text-embedding-ada-002", TokenizerKind.Cl100kBase, true)]
    [InlineData("claude-sonnet-4-5", TokenizerKind.EstimateAnthropic, false)]
    [InlineData("gemini-2.5-flash", TokenizerKind.EstimateGemini, false)]
    [InlineData("models/gemini-2.5-pro", TokenizerKind.EstimateGemini, false)]
    public void Resolve_KnownModel_PicksEncoding(string model, TokenizerKind kind, bool exact)
    {
        var choice = TokenizerRegistry.Resolve(null, model);
        Assert.Equal(kind, choice.Kind);
        Assert.Equal(exact, choice.Exact);
    }

    [Theory]
    [InlineData("openai", TokenizerKind.O200kBase, "o200k_base")]
    [InlineData("anthropic", TokenizerKind.EstimateAnthropic, "estimate:anthropic")]
    [InlineData("gemini", TokenizerKind.EstimateGemini, "estimate:gemini")]
    [InlineData(null, TokenizerKind.EstimateGeneric, "estimate:generic")]
    public void Resolve_UnknownModel_FallsBackByProviderAndIsNotExact(string? provider, TokenizerKind kind, string name)
    {
        var choice = TokenizerRegistry.Resolve(provider, "some-future-model");
        Assert.Equal(kind, choice.Kind);
        Assert.Equal(name, choice.Name);
        Assert.False(choice.Exact);
    }

    [Fact]
    public async Task Warm_LoadsO200k_CountsOfBothEncodingsStillCorrect()
    {
        await TokenizerRegistry.Warm();
        Assert.Equal(4, TokenCounter.CountText("gpt-4o", "Hello, world!").Tokens);
        Assert.Equal(4, TokenCounter.CountText("gpt-4", "Hello, world!").Tokens);
    }

    [Fact]
    public void CountText_RepeatedLongText_SameCountEveryTime()
    {
        // Long enough to be memoised: the second and third counts come from the memo and must equal the first.
        const string text = "You are a terse assistant that answers in one line, mentioning latency and throughput.";
        var first = TokenCounter.CountText("gpt-4o", text).Tokens;
        Assert.True(first > 10);
        Assert.Equal(first, TokenCounter.CountText("gpt-4o", text).Tokens);
        Assert.Equal(first, TokenCounter.CountText("gpt-4o", text.AsSpan().ToString()).Tokens);
        // Same text, other encoding: its own entry, not o200k's.
        Assert.Equal(TokenizerRegistry.Encoding(TokenizerKind.Cl100kBase).CountTokens(text), TokenCounter.CountText("gpt-4", text).Tokens);
    }

    [Fact]
    public void CountText_MoreDistinctTextsThanTheMemoHolds_CountsStayCorrect()
    {
        var expected = TokenCounter.CountText("gpt-4o", "Distinct text number 0 padded to be long enough to memoise.").Tokens;
        for (var i = 0; i < 5000; i++)
        {
            var text = "Distinct text number " + (i % 10) + " padded to be long enough to memoise. " + new string('x', i % 7);
            Assert.Equal(TokenizerRegistry.Encoding(TokenizerKind.O200kBase).CountTokens(text), TokenCounter.CountText("gpt-4o", text).Tokens);
        }

        Assert.Equal(expected, TokenCounter.CountText("gpt-4o", "Distinct text number 0 padded to be long enough to memoise.").Tokens);
    }

    [Fact]
    public async Task CountText_ManyThreadsAtOnce_SameResult()
    {
        var tasks = new Task<int>[16];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = Task.Run(() => TokenCounter.CountText("gpt-4", "The quick brown fox jumps over the lazy dog.").Tokens);
        }

        foreach (var count in await Task.WhenAll(tasks))
        {
            Assert.Equal(10, count);
        }
    }
}
