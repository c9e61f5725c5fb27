namespace TokenOps.Tokenizers.Tests;

/// <summary>Reference counts computed with js-tiktoken 1.0.21 (getEncoding(...).encode(s).length).</summary>
public sealed class TokenCounterTests
{
    [Theory]
    [InlineData("Hello, world!", 4, 4)]
    [InlineData("The quick brown fox jumps over the lazy dog.", 10, 10)]
    [InlineData("tokenization 🚀 naïve café — 東京", 9, 12)]
    [InlineData("def f(x):\n    return x * 2\n", 11, 11)]
    [InlineData("", 0, 0)]
    [InlineData("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}", 19, 18)]
    public void CountText_OpenAiModels_MatchesJsTiktoken(string text, int o200k, int cl100k)
    {
        var a = TokenCounter.CountText("gpt-4o", text);
        Assert.Equal(o200k, a.Tokens);
        Assert.Equal("o200k_base", a.Tokenizer);
        Assert.True(a.Exact);

        var b = TokenCounter.CountText("gpt-3.5-turbo", text);
        Assert.Equal(cl100k, b.Tokens);
        Assert.Equal("cl100k_base", b.Tokenizer);
        Assert.True(b.Exact);
    }

    [Fact]
    public void CountText_Claude_IsO200kTimesCalibrationRoundedUp()
    {
        // o200k = 10 → ceil(10 × 1.20) = 12.
        var count = TokenCounter.CountText("claude-opus-4-1", "The food was delicious and the waiter was friendly.");
        Assert.Equal(12, count.Tokens);
        Assert.Equal("estimate:anthropic", count.Tokenizer);
        Assert.False(count.Exact);
    }

    [Fact]
    public void CountText_Gemini_IsO200kTimesCalibrationRoundedUp()
    {
        // o200k = 10 → ceil(10 × 1.05) = 11.
        var count = TokenCounter.CountText("gemini-2.5-flash", "The food was delicious and the waiter was friendly.");
        Assert.Equal(11, count.Tokens);
        Assert.Equal("estimate:gemini", count.Tokenizer);
        Assert.False(count.Exact);
    }

    [Fact]
    public void CountChat_OpenAiCookbookFormula_ExactCount()
    {
        // system: 1 + "You are a helpful assistant." 6; user: 1 + "What is the capital of France?" 7 → 15 + 6 + 3 = 24.
        var count = TokenCounter.CountChat("gpt-4o",
        [
            new ChatMessageText("system", "You are a helpful assistant."),
            new ChatMessageText("user", "What is the capital of France?"),
        ]);
        Assert.Equal(24, count.Tokens);
        Assert.True(count.Exact);
    }

    [Fact]
    public void CountChat_WithName_AddsNameTokensPlusOne()
    {
        // 3 + user 1 + "Hello there" 2 + name "Paris" 1 + 1 + priming 3 = 11.
        var count = TokenCounter.CountChat("gpt-4", [new ChatMessageText("user", "Hello there", "Paris")]);
        Assert.Equal(11, count.Tokens);
    }
}
