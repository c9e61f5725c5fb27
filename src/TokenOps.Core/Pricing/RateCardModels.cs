using System.Text.Json.Serialization;

namespace TokenOps.Core.Pricing;

/// <summary>
/// The rate card file: the embedded <c>ratecard.json</c>, a <c>pricing.path</c> override file, or (rows only)
/// <c>pricing.overrides</c> in the config. All rates are USD per million tokens.
/// </summary>
public sealed class RateCardDocument
{
    public string? Version { get; set; }
    public string? Currency { get; set; }
    public string? Unit { get; set; }
    public List<RateRow>? Models { get; set; }
}

/// <summary>One priced model. Rates are USD per million tokens; null = the provider has no such rate for the model.</summary>
public sealed class RateRow
{
    /// <summary>openai | anthropic | gemini.</summary>
    public string? Provider { get; set; }
    /// <summary>Canonical model name without date suffix, e.g. <c>gpt-4o</c>, <c>claude-sonnet-4-5</c>, <c>gemini-2.5-pro</c>.</summary>
    public string? Model { get; set; }
    /// <summary>Uncached input (prompt) tokens.</summary>
    public decimal? Input { get; set; }
    /// <summary>Output tokens, reasoning/thinking included (all three providers bill reasoning as output).</summary>
    public decimal? Output { get; set; }
    /// <summary>Prompt tokens read from the provider's prompt cache. Null: no discount, billed as input.</summary>
    public decimal? CachedInput { get; set; }
    /// <summary>Anthropic cache write with the default 5-minute TTL.</summary>
    [JsonPropertyName("cache_write_5m")]
    public decimal? CacheWrite5m { get; set; }
    /// <summary>Anthropic cache write with the 1-hour TTL.</summary>
    [JsonPropertyName("cache_write_1h")]
    public decimal? CacheWrite1h { get; set; }
    /// <summary>Long-prompt tiers: when the request's total prompt tokens exceed the threshold, the tier's rates apply to the whole request.</summary>
    public List<RateTier>? Tiers { get; set; }
    /// <summary>URL of the official price page the row was checked against.</summary>
    public string? Source { get; set; }
    /// <summary>yyyy-MM-dd the row was last checked.</summary>
    public string? Checked { get; set; }
    public string? Notes { get; set; }
}

/// <summary>A long-context price tier (Gemini Pro &gt; 200k prompt tokens, Claude Sonnet 4/4.5 1M-context beta &gt; 200k).</summary>
public sealed class RateTier
{
    /// <summary>The tier applies when total prompt tokens (cached and cache-write included) are strictly greater than this.</summary>
    public long? AbovePromptTokens { get; set; }
    public decimal? Input { get; set; }
    public decimal? Output { get; set; }
    public decimal? CachedInput { get; set; }
    [JsonPropertyName("cache_write_5m")]
    public decimal? CacheWrite5m { get; set; }
    [JsonPropertyName("cache_write_1h")]
    public decimal? CacheWrite1h { get; set; }
}

/// <summary>The resolved rates for one request (base row or a tier).</summary>
public readonly record struct Rates(decimal Input, decimal Output, decimal? CachedInput, decimal? CacheWrite5m, decimal? CacheWrite1h);

/// <summary>How a model name was matched to a rate card row.</summary>
public static class MatchKinds
{
    public const string Exact = "exact";
    public const string Snapshot = "snapshot";
    public const string Prefix = "prefix";
}

/// <summary>Result of <see cref="RateCard.Find"/>.</summary>
public sealed record RateMatch(RateRow Row, string MatchKind, string LookupModel)
{
    /// <summary>Rates for a request with <paramref name="promptTokens"/> total prompt tokens (picks the highest tier exceeded).</summary>
    public Rates RatesFor(long promptTokens)
    {
        var row = Row;
        RateTier? best = null;
        if (row.Tiers is { } tiers)
        {
            foreach (var t in tiers)
            {
                if (promptTokens > t.AbovePromptTokens && (best is null || t.AbovePromptTokens > best.AbovePromptTokens))
                {
                    best = t;
                }
            }
        }

        return best is null
            ? new Rates(row.Input ?? 0m, row.Output ?? 0m, row.CachedInput, row.CacheWrite5m, row.CacheWrite1h)
            : new Rates(best.Input ?? 0m, best.Output ?? 0m, best.CachedInput, best.CacheWrite5m, best.CacheWrite1h);
    }
}

/// <summary>Values of <see cref="Events.PromptEvent.PricingStatus"/>.</summary>
public static class PricingStatuses
{
    /// <summary>Every token was priced from the rate card.</summary>
    public const string Priced = "priced";
    /// <summary>No rate card row for the model: cost is null, never $0.</summary>
    public const string Unpriced = "unpriced";
    /// <summary>Some usage could not be priced exactly (only one of input/output reported, or cache writes on a model without a write rate): cost is a lower bound.</summary>
    public const string Partial = "partial";
    /// <summary>A successful response without any usage numbers: cost is null.</summary>
    public const string NoUsage = "no_usage";
}
