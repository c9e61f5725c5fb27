namespace TokenOps.Insights.Waste;

/// <summary>
/// The documented thresholds of the waste rules (docs/waste.md). Defaults are deliberately conservative: a finding should be
/// worth acting on. Config keys: <c>coaching.waste.*</c> (see the lead's Configuration).
/// </summary>
public sealed record WasteThresholds
{
    /// <summary>repeated_request: a successful identical request (same prompt hash) again within this window.</summary>
    public TimeSpan RepeatWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>retry_storm: at least this many failed attempts of the same request…</summary>
    public int RetryMinFailures { get; init; } = 3;

    /// <summary>…each within this long of the previous attempt.</summary>
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>oversized_context: prompt tokens above this…</summary>
    public long OversizedInputTokens { get; init; } = 100_000;

    /// <summary>…or above this share of the model's context window.</summary>
    public double OversizedWindowShare { get; init; } = 0.5;

    /// <summary>runaway_context_growth: workflows with at least this many steps…</summary>
    public int RunawayMinSteps { get; init; } = 5;

    /// <summary>…whose last prompt is at least this many times the first…</summary>
    public double RunawayGrowthFactor { get; init; } = 4.0;

    /// <summary>…and at least this large.</summary>
    public long RunawayMinFinalTokens { get; init; } = 20_000;

    /// <summary>Saving model: with compaction the prompt would stay within this factor of the first step's.</summary>
    public double RunawayKeepFactor { get; init; } = 2.0;

    /// <summary>agent_loop: the same tool call (name + arguments) in this many consecutive turns.</summary>
    public int LoopMinRepeats { get; init; } = 3;

    /// <summary>prompt_cache_missed: a repeated prefix at least this long (the providers' minimum cacheable prompt is 1024 tokens)…</summary>
    public long CacheMinPrefixTokens { get; init; } = 1024;

    /// <summary>…re-sent uncached in at least this many steps of a workflow.</summary>
    public int CacheMinMissedSteps { get; init; } = 2;

    /// <summary>output_truncated: a continuation this soon after a length-truncated answer.</summary>
    public TimeSpan ContinuationWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>expensive_model_trivial: prompts at most this long…</summary>
    public long TrivialMaxInputTokens { get; init; } = 500;

    /// <summary>…answers at most this long…</summary>
    public long TrivialMaxOutputTokens { get; init; } = 100;

    /// <summary>…at least this many times on one model…</summary>
    public int TrivialMinCalls { get; init; } = 5;

    /// <summary>…where the model's input price is at least this (USD per million tokens: the top tier).</summary>
    public decimal TopTierMinInputUsdPerMillion { get; init; } = 5m;

    /// <summary>unused_tools: at least this many steps of a workflow sent tools…</summary>
    public int UnusedToolsMinSteps { get; init; } = 3;

    /// <summary>…of at least this many tokens each, and none was ever called.</summary>
    public long UnusedToolsMinTokens { get; init; } = 500;
}
