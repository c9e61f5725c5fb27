using TokenOps.Core.Events;

namespace TokenOps.Core.Pricing;

/// <summary>The priced components of one request, in USD.</summary>
public readonly record struct CostBreakdown(
    string Status,
    decimal? Total,
    decimal? Input,
    decimal? CachedInput,
    decimal? CacheWrite,
    decimal? Output,
    RateMatch? Match);

/// <summary>
/// Computes the cost of a <see cref="PromptEvent"/> from its NORMALISED usage (see PromptEvent remarks), in decimal.
/// </summary>
/// <remarks>
/// <para>With P = input_tokens (all prompt tokens), C = cached reads ⊆ P, W = cache writes ⊆ P (W5 + W1h, unsplit writes
/// count as 5-minute writes, the Anthropic default TTL), O = output tokens (reasoning included):</para>
/// <para>cost = (P − C − W)·input + C·cached_input + W5·cache_write_5m + W1h·cache_write_1h + O·output, all per 10⁶ tokens,
/// with the rates of the highest long-context tier whose threshold P exceeds (Anthropic and Google both select the tier by
/// the whole prompt, cache reads and writes included, and then bill every token of the request at the tier's rates:
/// https://platform.claude.com/docs/en/about-claude/pricing#long-context-pricing, https://ai.google.dev/gemini-api/docs/pricing).</para>
/// <para>A missing cached_input rate means the provider gives no discount for that model, so cached tokens bill as input; a
/// missing write rate bills writes as input (OpenAI and Gemini do not charge writes per request).</para>
/// <para>Cache hits answered by TokenOps cost nothing: CostUsd = 0 and the original call's cost goes to SavedUsd.</para>
/// <para>Failed requests without usage (status ≥ 400 or a proxy error) cost $0 — the providers do not bill them.
/// A success without any usage numbers is <see cref="PricingStatuses.NoUsage"/> with a null cost.</para>
/// </remarks>
public sealed class CostCalculator : IPromptCostStamper
{
    private const decimal PerMillion = 1_000_000m;

    public CostCalculator(RateCard rateCard)
    {
        ArgumentNullException.ThrowIfNull(rateCard);
        RateCard = rateCard;
    }

    public RateCard RateCard { get; }

    /// <summary>Fills CostUsd, the component costs, SavedUsd (cache hits), PricingStatus and RateCardVersion.</summary>
    public void Stamp(PromptEvent promptEvent)
    {
        ArgumentNullException.ThrowIfNull(promptEvent);
        var cost = Compute(promptEvent);
        promptEvent.PricingStatus = cost.Status;
        promptEvent.RateCardVersion = RateCard.Version;
        if (promptEvent.CacheHit)
        {
            // Served from the TokenOps cache: the provider was not called. What the original call cost is what we saved.
            promptEvent.SavedUsd = cost.Total;
            promptEvent.CostUsd = 0m;
            promptEvent.InputCostUsd = 0m;
            promptEvent.CachedInputCostUsd = 0m;
            promptEvent.CacheWriteCostUsd = 0m;
            promptEvent.OutputCostUsd = 0m;
            return;
        }

        promptEvent.SavedUsd = null;
        promptEvent.CostUsd = cost.Total;
        promptEvent.InputCostUsd = cost.Input;
        promptEvent.CachedInputCostUsd = cost.CachedInput;
        promptEvent.CacheWriteCostUsd = cost.CacheWrite;
        promptEvent.OutputCostUsd = cost.Output;
    }

    /// <summary>The cost the provider bills for this event's usage (ignores <see cref="PromptEvent.CacheHit"/>).</summary>
    public CostBreakdown Compute(PromptEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var match = RateCard.Find(e.Provider, e.ResponseModel) ?? RateCard.Find(e.Provider, e.RequestModel);
        if (match is null)
        {
            return new CostBreakdown(PricingStatuses.Unpriced, null, null, null, null, null, null);
        }

        if (e.InputTokens is null && e.OutputTokens is null)
        {
            return e.StatusCode >= 400 || e.ProxyError is not null
                ? new CostBreakdown(PricingStatuses.Priced, 0m, 0m, 0m, 0m, 0m, match)
                : new CostBreakdown(PricingStatuses.NoUsage, null, null, null, null, null, match);
        }

        var status = e.InputTokens is null || e.OutputTokens is null ? PricingStatuses.Partial : PricingStatuses.Priced;
        long prompt = e.InputTokens ?? 0;
        long cached = Math.Max(0, e.CachedInputTokens ?? 0);
        long w1h = Math.Max(0, e.CacheWrite1hInputTokens ?? 0);
        long w5m;
        long writes;
        if (e.CacheWriteInputTokens is { } total)
        {
            writes = Math.Max(total, 0);
            w5m = e.CacheWrite5mInputTokens ?? Math.Max(0, writes - w1h);
        }
        else
        {
            w5m = Math.Max(0, e.CacheWrite5mInputTokens ?? 0);
            writes = w5m + w1h;
        }

        if (w5m + w1h > writes)
        {
            writes = w5m + w1h;
        }

        var uncached = prompt - cached - writes;
        if (uncached < 0)
        {
            // Inconsistent usage (parts larger than the whole): price what we know, flag it.
            uncached = 0;
            status = PricingStatuses.Partial;
        }

        var rates = match.RatesFor(prompt);
        var input = uncached * rates.Input / PerMillion;
        var cachedCost = cached * (rates.CachedInput ?? rates.Input) / PerMillion;
        var writeCost = (w5m * (rates.CacheWrite5m ?? rates.Input) + w1h * (rates.CacheWrite1h ?? rates.CacheWrite5m ?? rates.Input)) / PerMillion;
        var output = (e.OutputTokens ?? 0) * rates.Output / PerMillion;
        return new CostBreakdown(status, input + cachedCost + writeCost + output, input, cachedCost, writeCost, output, match);
    }
}
