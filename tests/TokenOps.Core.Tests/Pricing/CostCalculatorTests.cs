using TokenOps.Core.Events;
using TokenOps.Core.Pricing;

namespace TokenOps.Core.Tests.Pricing;

public sealed class CostCalculatorTests
{
    private static readonly CostCalculator Calculator = new(RateCard.Embedded);

    /// <summary>
    /// Hand-computed golden costs (rates from ratecard.json, USD per 1M tokens). Usage is NORMALISED: input includes cached
    /// reads and cache writes for every provider. Columns: provider, model, input, cached, write(total), write5m, write1h,
    /// output, reasoning, expected USD.
    /// </summary>
    public static TheoryData<string, string, long, long, long?, long?, long?, long, long, decimal> Golden => new()
    {
        // gpt-4o: 800×2.50 + 200×1.25 + 500×10 = 0.002 + 0.00025 + 0.005
        { "openai", "gpt-4o", 1000, 200, null, null, null, 500, 0, 0.00725m },
        // dated snapshot resolves to gpt-4o
        { "openai", "gpt-4o-2024-08-06", 1000, 200, null, null, null, 500, 0, 0.00725m },
        // the first gpt-4o snapshot has its own exact row: 1000×5 + 100×15
        { "openai", "gpt-4o-2024-05-13", 1000, 0, null, null, null, 100, 0, 0.0065m },
        // o3 reasoning: output 3000 includes 2500 reasoning; 2000×2 + 3000×8
        { "openai", "o3", 2000, 0, null, null, null, 3000, 2500, 0.028m },
        // gpt-5 cached: 2000×1.25 + 8000×0.125 + 1000×10
        { "openai", "gpt-5", 10000, 8000, null, null, null, 1000, 600, 0.0135m },
        // gpt-5-mini snapshot: 1000×0.25 + 0 + 2000×2
        { "openai", "gpt-5-mini-2025-08-07", 1000, 0, null, null, null, 2000, 1500, 0.00425m },
        // embeddings: 12345×0.02
        { "openai", "text-embedding-3-small", 12345, 0, null, null, null, 0, 0, 0.0002469m },
        // Anthropic: raw input 100 + read 5000 + unsplit write 2000 (→ 5m rate) = 7100;
        // 100×3 + 5000×0.30 + 2000×3.75 + 300×15
        { "anthropic", "claude-sonnet-4-5-20250929", 7100, 5000, 2000, null, null, 300, 0, 0.0138m },
        // Anthropic 5m/1h split, Opus 4.1: 50×15 + 1000×1.5 + 400×18.75 + 600×30 + 200×75
        { "anthropic", "claude-opus-4-1-20250805", 2050, 1000, 1000, 400, 600, 200, 0, 0.04275m },
        // Opus 4.5 thinking: 1000×5 + 4000×25 (output includes thinking)
        { "anthropic", "claude-opus-4-5", 1000, 0, 0, null, null, 4000, 3000, 0.105m },
        // Sonnet 4 long context (prompt 250k > 200k incl. cache reads): 200000×6 + 50000×0.60 + 1000×22.50
        { "anthropic", "claude-sonnet-4-20250514", 250000, 50000, 0, null, null, 1000, 0, 1.2525m },
        // exactly 200k is NOT above the threshold: 200000×3
        { "anthropic", "claude-sonnet-4", 200000, 0, 0, null, null, 0, 0, 0.6m },
        // long context with 1h write: 150000×6 + 60000×12(1h tier) + 100×22.5
        { "anthropic", "claude-sonnet-4-5", 210000, 0, 60000, 0, 60000, 100, 0, 1.62225m },
        // Haiku 4.5: 1M×1
        { "anthropic", "claude-haiku-4-5-20251001", 1_000_000, 0, 0, null, null, 0, 0, 1m },
        // Haiku 3: 10000×0.25 + 10000×0.03 + 1000×0.30 + 1000×1.25
        { "anthropic", "claude-3-haiku-20240307", 21000, 10000, 1000, null, null, 1000, 0, 0.00435m },
        // Gemini 2.5 Pro ≤200k: 6000×1.25 + 4000×0.125 + 2000×10 (thoughts in output)
        { "gemini", "gemini-2.5-pro", 10000, 4000, null, null, null, 2000, 1200, 0.028m },
        // Gemini 2.5 Pro >200k: 200000×2.50 + 100000×0.25 + 5000×15
        { "gemini", "gemini-2.5-pro", 300000, 100000, null, null, null, 5000, 0, 0.6m },
        // Gemini name as reported with models/ prefix: 1000×0.30 + 1000×2.50
        { "gemini", "models/gemini-2.5-flash", 1000, 0, null, null, null, 1000, 400, 0.0028m },
        // Gemini stable version suffix -001: 1000×0.10 + 100×0.40
        { "gemini", "gemini-2.0-flash-001", 1000, 0, null, null, null, 100, 0, 0.00014m },
        // Gemini preview snapshot → flash-lite: 9000×0.10 + 1000×0.01 + 500×0.40
        { "gemini", "gemini-2.5-flash-lite-preview-09-2025", 10000, 1000, null, null, null, 500, 0, 0.00111m },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void Stamp_GoldenUsage_MatchesHandComputedCostToTheMicroDollar(
        string provider, string model, long input, long cached, long? write, long? write5m, long? write1h, long output, long reasoning, decimal expected)
    {
        var e = Event(provider, model, input, output);
        e.CachedInputTokens = cached;
        e.CacheWriteInputTokens = write;
        e.CacheWrite5mInputTokens = write5m;
        e.CacheWrite1hInputTokens = write1h;
        e.ReasoningTokens = reasoning;

        Calculator.Stamp(e);

        Assert.Equal(PricingStatuses.Priced, e.PricingStatus);
        Assert.NotNull(e.CostUsd);
        Assert.Equal(Math.Round(expected, 6), Math.Round(e.CostUsd!.Value, 6));
        Assert.Equal(e.CostUsd, e.InputCostUsd + e.CachedInputCostUsd + e.CacheWriteCostUsd + e.OutputCostUsd);
        Assert.Equal(RateCard.Embedded.Version, e.RateCardVersion);
        Assert.Null(e.SavedUsd);
    }

    [Fact]
    public void Stamp_Components_AreSplitPerRate()
    {
        var e = Event("anthropic", "claude-opus-4-1", 2050, 200);
        e.CachedInputTokens = 1000;
        e.CacheWriteInputTokens = 1000;
        e.CacheWrite5mInputTokens = 400;
        e.CacheWrite1hInputTokens = 600;

        Calculator.Stamp(e);

        Assert.Equal(0.00075m, e.InputCostUsd);
        Assert.Equal(0.0015m, e.CachedInputCostUsd);
        Assert.Equal(0.0255m, e.CacheWriteCostUsd);
        Assert.Equal(0.015m, e.OutputCostUsd);
    }

    [Fact]
    public void Stamp_CacheHit_CostIsZeroAndOriginalCostIsSaved()
    {
        var e = Event("openai", "gpt-4o-mini", 1000, 1000);
        e.CacheHit = true;

        Calculator.Stamp(e);

        Assert.Equal(0m, e.CostUsd);
        Assert.Equal(0.00075m, e.SavedUsd); // 1000×0.15 + 1000×0.60
        Assert.Equal(PricingStatuses.Priced, e.PricingStatus);
    }

    [Fact]
    public void Stamp_UnknownModel_CostIsNullAndUnpriced()
    {
        var e = Event("openai", "my-finetune-xyz", 1000, 1000);

        Calculator.Stamp(e);

        Assert.Null(e.CostUsd);
        Assert.Null(e.InputCostUsd);
        Assert.Equal(PricingStatuses.Unpriced, e.PricingStatus);
        Assert.Equal(RateCard.Embedded.Version, e.RateCardVersion);
    }

    [Fact]
    public void Stamp_ResponseModelUnknownButRequestModelKnown_UsesRequestModel()
    {
        var e = Event("openai", "gpt-4.1", 1_000_000, 0);
        e.ResponseModel = "gpt-4.1-something-new-2099";
        e.RequestModel = "gpt-4.1";

        Calculator.Stamp(e);

        Assert.Equal(2m, e.CostUsd);
    }

    [Fact]
    public void Stamp_FailedRequestWithoutUsage_IsZeroBecauseProvidersDoNotBillErrors()
    {
        var e = Event("anthropic", "claude-haiku-4-5", 0, 0);
        e.InputTokens = null;
        e.OutputTokens = null;
        e.StatusCode = 529;

        Calculator.Stamp(e);

        Assert.Equal(0m, e.CostUsd);
        Assert.Equal(PricingStatuses.Priced, e.PricingStatus);
    }

    [Fact]
    public void Stamp_SuccessWithoutUsage_IsNoUsageWithNullCost()
    {
        var e = Event("openai", "gpt-4o", 0, 0);
        e.InputTokens = null;
        e.OutputTokens = null;

        Calculator.Stamp(e);

        Assert.Null(e.CostUsd);
        Assert.Equal(PricingStatuses.NoUsage, e.PricingStatus);
    }

    [Fact]
    public void Stamp_OnlyInputKnown_IsPartialLowerBound()
    {
        var e = Event("openai", "gpt-4o", 1000, 0);
        e.OutputTokens = null;

        Calculator.Stamp(e);

        Assert.Equal(0.0025m, e.CostUsd);
        Assert.Equal(PricingStatuses.Partial, e.PricingStatus);
    }

    [Fact]
    public void Stamp_CachedLargerThanInput_ClampsAndIsPartial()
    {
        var e = Event("openai", "gpt-4o", 100, 0);
        e.CachedInputTokens = 200;

        Calculator.Stamp(e);

        Assert.Equal(0.00025m, e.CostUsd); // 200×1.25, uncached clamped to 0
        Assert.Equal(PricingStatuses.Partial, e.PricingStatus);
    }

    [Fact]
    public void Stamp_ModelWithoutCachedRate_BillsCachedTokensAsInput()
    {
        var e = Event("openai", "gpt-5-pro", 1000, 0);
        e.CachedInputTokens = 500;

        Calculator.Stamp(e);

        Assert.Equal(0.015m, e.CostUsd); // 1000×15, no discount
    }

    private static PromptEvent Event(string provider, string model, long input, long output) => new()
    {
        Provider = provider,
        ResponseModel = model,
        InputTokens = input,
        OutputTokens = output,
        StatusCode = 200,
        UsageSource = UsageSources.Provider,
    };
}
