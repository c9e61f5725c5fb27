using TokenOps.Core.Pricing;

namespace TokenOps.Core.Tests.Pricing;

public sealed class RateCardTests
{
    [Fact]
    public void Embedded_EveryRow_HasSourceAndCheckedDate()
    {
        var card = RateCard.Embedded;

        Assert.False(string.IsNullOrWhiteSpace(card.Version));
        Assert.True(card.Rows.Count >= 40);
        foreach (var row in card.Rows)
        {
            Assert.StartsWith("https://", row.Source, StringComparison.Ordinal);
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", row.Checked);
        }
    }

    [Theory]
    [InlineData("openai", "gpt-5")]
    [InlineData("openai", "gpt-5-mini")]
    [InlineData("openai", "gpt-5-nano")]
    [InlineData("openai", "gpt-4.1")]
    [InlineData("openai", "gpt-4.1-mini")]
    [InlineData("openai", "gpt-4.1-nano")]
    [InlineData("openai", "gpt-4o")]
    [InlineData("openai", "gpt-4o-mini")]
    [InlineData("openai", "o1")]
    [InlineData("openai", "o3")]
    [InlineData("openai", "o3-mini")]
    [InlineData("openai", "o4-mini")]
    [InlineData("openai", "text-embedding-3-small")]
    [InlineData("openai", "text-embedding-3-large")]
    [InlineData("anthropic", "claude-opus-4-5")]
    [InlineData("anthropic", "claude-opus-4-1")]
    [InlineData("anthropic", "claude-opus-4")]
    [InlineData("anthropic", "claude-sonnet-4-5")]
    [InlineData("anthropic", "claude-sonnet-4")]
    [InlineData("anthropic", "claude-haiku-4-5")]
    [InlineData("anthropic", "claude-3-7-sonnet")]
    [InlineData("anthropic", "claude-3-5-haiku")]
    [InlineData("anthropic", "claude-3-haiku")]
    [InlineData("gemini", "gemini-2.5-pro")]
    [InlineData("gemini", "gemini-2.5-flash")]
    [InlineData("gemini", "gemini-2.5-flash-lite")]
    [InlineData("gemini", "gemini-2.0-flash")]
    public void Find_RequiredModel_IsAnExactRow(string provider, string model)
    {
        var match = RateCard.Embedded.Find(provider, model);

        Assert.NotNull(match);
        Assert.Equal(MatchKinds.Exact, match.MatchKind);
        Assert.Equal(model, match.Row.Model);
    }

    [Theory]
    [InlineData("openai", "gpt-4o-2024-08-06", "gpt-4o", MatchKinds.Snapshot)]
    [InlineData("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", MatchKinds.Snapshot)]
    [InlineData("openai", "gpt-4o-2024-05-13", "gpt-4o-2024-05-13", MatchKinds.Exact)]
    [InlineData("openai", "o3-mini-2025-01-31", "o3-mini", MatchKinds.Snapshot)]
    [InlineData("openai", "GPT-4.1-Mini", "gpt-4.1-mini", MatchKinds.Exact)]
    [InlineData("openai", "gpt-4o-mini-audio-preview", "gpt-4o-mini", MatchKinds.Prefix)]
    [InlineData("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", MatchKinds.Snapshot)]
    [InlineData("anthropic", "claude-opus-4-20250514", "claude-opus-4", MatchKinds.Snapshot)]
    [InlineData("anthropic", "claude-opus-4-1-20250805", "claude-opus-4-1", MatchKinds.Snapshot)]
    [InlineData("anthropic", "claude-3-5-haiku-latest", "claude-3-5-haiku", MatchKinds.Snapshot)]
    [InlineData("anthropic", "claude-3-7-sonnet-20250219", "claude-3-7-sonnet", MatchKinds.Snapshot)]
    [InlineData("gemini", "models/gemini-2.5-flash", "gemini-2.5-flash", MatchKinds.Exact)]
    [InlineData("gemini", "gemini-2.0-flash-001", "gemini-2.0-flash", MatchKinds.Snapshot)]
    [InlineData("gemini", "gemini-2.5-flash-lite-preview-09-2025", "gemini-2.5-flash-lite", MatchKinds.Snapshot)]
    [InlineData("gemini", "gemini-2.5-pro-preview-05-06", "gemini-2.5-pro", MatchKinds.Snapshot)]
    [InlineData("gemini", "gemini-2.5-flash-image", "gemini-2.5-flash", MatchKinds.Prefix)]
    public void Find_VariantName_ResolvesToExpectedRow(string provider, string model, string expectedRow, string expectedKind)
    {
        var match = RateCard.Embedded.Find(provider, model);

        Assert.NotNull(match);
        Assert.Equal(expectedRow, match.Row.Model);
        Assert.Equal(expectedKind, match.MatchKind);
    }

    [Theory]
    [InlineData("openai", "gpt-5.9")]              // a new version is unpriced, never priced as gpt-5
    [InlineData("anthropic", "claude-opus-4-9")]   // ...and never as claude-opus-4 ($15) 
    [InlineData("anthropic", "gpt-4o")]            // provider aware
    [InlineData("gemini", "claude-haiku-4-5")]
    [InlineData("openai", "")]
    [InlineData("", "gpt-4o")]
    [InlineData("openai", "ft:custom-model")]
    public void Find_UnknownOrForeignModel_ReturnsNull(string provider, string model)
    {
        Assert.Null(RateCard.Embedded.Find(provider, model));
    }

    [Theory]
    [InlineData(199_999, 2.00)]
    [InlineData(200_000, 2.00)]
    [InlineData(200_001, 4.00)]
    public void RatesFor_GeminiProTier_SwitchesStrictlyAboveThreshold(long prompt, double expectedInput)
    {
        var match = RateCard.Embedded.Find("gemini", "gemini-3-pro-preview")!;

        Assert.Equal((decimal)expectedInput, match.RatesFor(prompt).Input);
    }

    [Fact]
    public void Create_NoOverrides_ReturnsEmbeddedCard()
    {
        var card = RateCard.Create(null, null, out var errors);

        Assert.Empty(errors);
        Assert.Same(RateCard.Embedded, card);
    }

    [Fact]
    public void Create_OverrideRow_ReplacesEmbeddedPriceAndMarksVersion()
    {
        var overrides = new List<RateRow>
        {
            new() { Provider = "openai", Model = "gpt-4o", Input = 3m, Output = 12m },
            new() { Provider = "openai", Model = "my-finetune", Input = 1m, Output = 2m },
        };

        var card = RateCard.Create(overrides, null, out var errors)!;

        Assert.Empty(errors);
        Assert.Equal(RateCard.Embedded.Version + "+overrides", card.Version);
        Assert.Equal(3m, card.Find("openai", "gpt-4o-2024-08-06")!.Row.Input);
        Assert.Equal(2m, card.Find("openai", "my-finetune")!.Row.Output);
        Assert.Equal(2.5m, RateCard.Embedded.Find("openai", "gpt-4o")!.Row.Input); // embedded untouched
        Assert.Equal(2, card.OverrideCount);
    }

    [Fact]
    public void Create_PricingPathFile_IsMergedAndOverridesWinOverIt()
    {
        var path = Path.Combine(Path.GetTempPath(), "tokenops-rates-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, """
            { "version": "local-1", "models": [
              { "provider": "anthropic", "model": "claude-haiku-4-5", "input": 0.5, "output": 2.5 },
              { "provider": "gemini", "model": "gemini-2.5-flash", "input": 9, "output": 9 } ] }
            """);
        try
        {
            var overrides = new List<RateRow> { new() { Provider = "gemini", Model = "gemini-2.5-flash", Input = 1m, Output = 1m } };

            var card = RateCard.Create(overrides, path, out var errors)!;

            Assert.Empty(errors);
            Assert.Equal(0.5m, card.Find("anthropic", "claude-haiku-4-5-20251001")!.Row.Input);
            Assert.Equal(1m, card.Find("gemini", "gemini-2.5-flash")!.Row.Input);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Create_InvalidOverrides_ListsRowFieldAndProblem()
    {
        var overrides = new List<RateRow>
        {
            new() { Provider = "openai", Model = "gpt-4o", Input = 2.5m, Output = 10m },
            new() { Provider = "azure", Model = "gpt-4o", Input = -1m },
            new() { Provider = "anthropic", Model = "x", Input = 1m, Output = 2m, CachedInput = 0.1m,
                Tiers = [new RateTier { AbovePromptTokens = 0, Input = 2m, Output = 4m }] },
            new() { Provider = "openai", Model = "gpt-4o", Input = 25_000m, Output = 1m, Checked = "yesterday" },
        };

        var card = RateCard.Create(overrides, null, out var errors);

        Assert.Null(card);
        Assert.Contains("pricing.overrides[1].provider: 'azure' is not a known provider (one of openai, anthropic, gemini)", errors);
        Assert.Contains("pricing.overrides[1].input: -1 is negative", errors);
        Assert.Contains("pricing.overrides[1].output: required (USD per million output tokens)", errors);
        Assert.Contains("pricing.overrides[2].tiers[0].above_prompt_tokens: required, a positive token count (e.g. 200000)", errors);
        Assert.Contains("pricing.overrides[2].tiers[0].cached_input: required because the base row has this rate", errors);
        Assert.Contains("pricing.overrides[3].model: duplicate of pricing.overrides[0] (openai/gpt-4o)", errors);
        Assert.Contains(errors, e => e.StartsWith("pricing.overrides[3].input: 25000 is above 10000", StringComparison.Ordinal));
        Assert.Contains("pricing.overrides[3].checked: 'yesterday' must be a date yyyy-MM-dd", errors);
    }

    [Fact]
    public void Create_MissingPricingPath_NamesTheFile()
    {
        var card = RateCard.Create(null, "/nonexistent/rates.json", out var errors);

        Assert.Null(card);
        Assert.Equal(["pricing.path: file '/nonexistent/rates.json' does not exist"], errors);
    }

    [Fact]
    public void ParseRows_UnknownField_ReportsPathAndLine()
    {
        var errors = new List<string>();

        var rows = RateCard.ParseRows("""
            [ { "provider": "openai", "model": "gpt-4o",
                "inptu": 2.5, "output": 10 } ]
            """, "pricing.overrides", errors);

        Assert.Null(rows);
        var error = Assert.Single(errors);
        Assert.StartsWith("pricing.overrides: invalid JSON at $[0].inptu (line 2)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseRows_ValidJson_ReadsSnakeCaseFields()
    {
        var errors = new List<string>();

        var rows = RateCard.ParseRows("""
            [ { "provider": "anthropic", "model": "claude-x", "input": 1, "output": 5, "cached_input": 0.1,
                "cache_write_5m": 1.25, "cache_write_1h": 2, "tiers": [ { "above_prompt_tokens": 200000, "input": 2, "output": 10,
                "cached_input": 0.2, "cache_write_5m": 2.5, "cache_write_1h": 4 } ] } ]
            """, "pricing.overrides", errors)!;

        Assert.Empty(errors);
        var row = Assert.Single(rows);
        Assert.Equal(1.25m, row.CacheWrite5m);
        Assert.Equal(2m, row.CacheWrite1h);
        Assert.Equal(200000, row.Tiers![0].AbovePromptTokens);
        Assert.Equal(4m, row.Tiers[0].CacheWrite1h);
    }

    [Theory]
    [InlineData("gpt-4o-2024-08-06", true, "gpt-4o")]
    [InlineData("claude-sonnet-4-5-20250929", true, "claude-sonnet-4-5")]
    [InlineData("gemini-2.0-flash-001", true, "gemini-2.0-flash")]
    [InlineData("claude-3-5-haiku-latest", true, "claude-3-5-haiku")]
    [InlineData("gpt-4o", false, "gpt-4o")]
    [InlineData("o1", false, "o1")]
    [InlineData("claude-opus-4-1", false, "claude-opus-4-1")]
    public void TryStripSnapshotSuffix_Cases(string name, bool stripped, string expected)
    {
        Assert.Equal(stripped, RateCard.TryStripSnapshotSuffix(name, out var shorter));
        Assert.Equal(expected, shorter);
    }
}
