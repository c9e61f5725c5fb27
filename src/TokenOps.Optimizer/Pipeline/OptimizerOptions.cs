namespace TokenOps.Optimizer.Pipeline;

/// <summary>How the pipeline treats live traffic (config <c>optimizer.mode</c>).</summary>
public enum OptimizerMode
{
    /// <summary>Recommendations only, computed off the request path; published with decision <c>skipped</c>.</summary>
    Passive,

    /// <summary>Accepted recommendations rewrite the body before forwarding (decision <c>applied</c>).</summary>
    Interactive,
}

/// <summary>What a pipeline run is for: decides the decision recorded per recommendation.</summary>
public enum PipelineRunMode
{
    Passive,
    Interactive,
    Replay,
}

/// <summary>The six optimizer kinds, in pipeline order (also the OptimizationEvent.Kind values).</summary>
public static class OptimizerKinds
{
    public const string PromptCompress = "prompt_compress";
    public const string SemanticDedupe = "semantic_dedupe";
    public const string RetrievalPrune = "retrieval_prune";
    public const string ContextTrim = "context_trim";
    public const string ModelRouter = "model_router";
    public const string PromptCacheHint = "prompt_cache_hint";

    /// <summary>Pipeline order: lossless text first, then structural pruning, then routing, and cache hints last (they must see the final prefix).</summary>
    public static readonly IReadOnlyList<string> All = [PromptCompress, SemanticDedupe, RetrievalPrune, ContextTrim, ModelRouter, PromptCacheHint];
}

/// <summary>One <c>optimizer.router.rules[]</c> entry: route requests for <see cref="From"/> to <see cref="To"/>.</summary>
public sealed record ModelRouteRule
{
    /// <summary>Model name or glob (<c>*</c> matches any run of characters), case-insensitive, e.g. <c>gpt-4o</c>, <c>claude-opus-*</c>.</summary>
    public required string From { get; init; }

    /// <summary>Model to use instead.</summary>
    public required string To { get; init; }

    /// <summary>Only when the request's input tokens are at most this many (null = any size).</summary>
    public int? MaxInputTokens { get; init; }

    /// <summary>Expected answer quality of <see cref="To"/> relative to <see cref="From"/> for this traffic, 0..1 (operator's judgement).</summary>
    public double Quality { get; init; } = 0.9;

    /// <summary>Restrict the rule to one provider (openai | anthropic | gemini); null = any.</summary>
    public string? Provider { get; init; }
}

/// <summary>
/// <c>optimizer.*</c> configuration. Built by the daemon from the config file; every default below is the
/// documented config default.
/// </summary>
public sealed record OptimizerOptions
{
    /// <summary><c>optimizer.enabled</c>: off by default — nothing is registered in the proxy.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>optimizer.mode</c>: passive (default) | interactive. A request can opt into interactive with <c>X-TokenOps-Optimize: interactive</c>.</summary>
    public OptimizerMode Mode { get; init; } = OptimizerMode.Passive;

    /// <summary><c>optimizer.kinds</c>: enabled kinds (default: all six). Disabled kinds still run in passive/replay and are reported as rejected.</summary>
    public IReadOnlyList<string> Kinds { get; init; } = OptimizerKinds.All;

    /// <summary><c>optimizer.min_quality</c>: recommendations below this are rejected in interactive mode.</summary>
    public double MinQuality { get; init; } = 0.85;

    /// <summary><c>optimizer.latency_budget_ms</c>: interactive mode skips the remaining optimizers once this much time was spent.</summary>
    public double LatencyBudgetMs { get; init; } = 2;

    /// <summary><c>optimizer.max_body_bytes</c>: interactive mode reads request bodies up to this size (Content-Length); larger or chunked bodies pass untouched.</summary>
    public int MaxBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary><c>optimizer.passive_queue</c>: bound of the passive background queue; above it requests are not analysed (counted).</summary>
    public int PassiveQueueCapacity { get; init; } = 256;

    /// <summary>
    /// Request bytes the passive queue may hold at once (internal; 8 MiB). The count bound alone let 256 queued bodies of
    /// up to <see cref="MaxBodyBytes"/> each (~1 GiB) wait behind a slow analysis; past this bound requests are not
    /// analysed (counted with the full-queue drops). A body larger than the bound is still taken when nothing is queued.
    /// </summary>
    public long PassiveQueueMaxBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>
    /// Set by the daemon when the optimizer needs captured request bodies for passive mode but <c>capture.bodies</c> is false:
    /// the passive hook then takes the body for analysis and clears it from the event before it is published, so nothing is stored.
    /// </summary>
    public bool ScrubCapturedBodies { get; init; }

    // ---- prompt_compress ----
    /// <summary><c>optimizer.compress.collapse_duplicate_lines</c>: fold runs of identical adjacent prose lines into one line with a ×N count.</summary>
    public bool CompressDuplicateLines { get; init; } = true;

    // ---- semantic_dedupe ----
    /// <summary><c>optimizer.dedupe.threshold</c>: word-shingle Jaccard similarity at or above which a later block is a near-duplicate.</summary>
    public double DedupeThreshold { get; init; } = 0.85;

    /// <summary><c>optimizer.dedupe.min_tokens</c>: blocks shorter than this are never deduplicated ("ok", "thanks").</summary>
    public int DedupeMinTokens { get; init; } = 50;

    // ---- retrieval_prune ----
    /// <summary><c>optimizer.retrieval.min_block_tokens</c>: only blocks at least this long are treated as retrieval dumps.</summary>
    public int RetrievalMinBlockTokens { get; init; } = 400;

    /// <summary><c>optimizer.retrieval.min_chunks</c>: a block needs at least this many chunks to be pruned.</summary>
    public int RetrievalMinChunks { get; init; } = 4;

    /// <summary><c>optimizer.retrieval.keep_min</c>: always keep at least this many of the most relevant chunks.</summary>
    public int RetrievalKeepMin { get; init; } = 2;

    /// <summary><c>optimizer.retrieval.relative_score</c>: chunks scoring below this fraction of the best chunk are pruned.</summary>
    public double RetrievalRelativeScore { get; init; } = 0.2;

    // ---- context_trim ----
    /// <summary><c>optimizer.context_trim.max_tokens</c>: input-token budget of a request; 0 (default) disables trimming.</summary>
    public int ContextTrimMaxTokens { get; init; }

    /// <summary><c>optimizer.context_trim.keep_last_turns</c>: keep at most this many recent turns (0 = as many as fit).</summary>
    public int ContextTrimKeepLastTurns { get; init; }

    /// <summary><c>optimizer.context_trim.keep_first_user</c>: never drop the first user message (the task's instructions).</summary>
    public bool ContextTrimKeepFirstUser { get; init; } = true;

    // ---- model_router ----
    /// <summary><c>optimizer.router.rules</c>: ordered rules, first match wins. Empty = no routing recommendations.</summary>
    public IReadOnlyList<ModelRouteRule> RouterRules { get; init; } = [];

    // ---- prompt_cache_hint ----
    /// <summary><c>optimizer.cache_hint.min_tokens</c>: shortest prefix worth a breakpoint (Anthropic's minimum cacheable prompt is 1024 tokens for Sonnet/Opus).</summary>
    public int CacheHintMinTokens { get; init; } = 1024;

    /// <summary><c>optimizer.cache_hint.sessions</c>: sessions (session id, else credential hash) whose prefix hashes are remembered (LRU).</summary>
    public int CacheHintSessions { get; init; } = 1024;

    /// <summary><c>optimizer.cache_hint.prefixes_per_session</c>: prefix hashes remembered per session (LRU).</summary>
    public int CacheHintPrefixesPerSession { get; init; } = 32;

    public bool IsKindEnabled(string kind)
    {
        foreach (var k in Kinds)
        {
            if (string.Equals(k, kind, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
