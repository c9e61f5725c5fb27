using System.Collections.Frozen;
using System.Text.Json;
using static TokenOps.Configuration.ConfigValueKinds;

namespace TokenOps.Configuration;

/// <summary>One config key: its dotted path, its environment variable, and how to apply a value.</summary>
internal abstract class ConfigKey(string path, bool fromEnvironment)
{
    public string Path { get; } = path;

    /// <summary><c>TOKENOPS_</c> + the path upper-cased with dots as underscores, e.g. TOKENOPS_TIMEOUTS_FIRST_BYTE.</summary>
    public string? EnvironmentVariable { get; } = fromEnvironment ? "TOKENOPS_" + path.Replace('.', '_').ToUpperInvariant() : null;

    /// <summary>Applies a value from the config file; returns the problem, or null.</summary>
    public abstract string? Apply(ref TokenOpsConfig config, JsonElement value);

    /// <summary>Applies a value from an environment variable or a flag; returns the problem, or null.</summary>
    public abstract string? Apply(ref TokenOpsConfig config, string value);
}

internal sealed class ConfigKey<T>(string path, ConfigValueKind<T> kind, Func<TokenOpsConfig, T, TokenOpsConfig> set, bool fromEnvironment = true)
    : ConfigKey(path, fromEnvironment)
{
    public override string? Apply(ref TokenOpsConfig config, JsonElement value)
    {
        var error = kind.FromJson(value, out var parsed);
        if (error is null)
        {
            config = set(config, parsed);
        }

        return error;
    }

    public override string? Apply(ref TokenOpsConfig config, string value)
    {
        var error = kind.FromText(value, out var parsed);
        if (error is null)
        {
            config = set(config, parsed);
        }

        return error;
    }
}

/// <summary>Every config key TokenOps knows. Anything else in config.json is a typo and is refused.</summary>
internal static class ConfigKeys
{
    public static readonly ConfigKey[] All =
    [
        new ConfigKey<string>("listen", Listen, static (c, v) => c with { Listen = v }),
        new ConfigKey<bool>("inline_io", Bool, static (c, v) => c with { InlineIo = v }),
        new ConfigKey<Uri>("providers.openai.url", HttpUrl, static (c, v) => c with { Providers = c.Providers with { OpenAI = v } }),
        new ConfigKey<Uri>("providers.anthropic.url", HttpUrl, static (c, v) => c with { Providers = c.Providers with { Anthropic = v } }),
        new ConfigKey<Uri>("providers.gemini.url", HttpUrl, static (c, v) => c with { Providers = c.Providers with { Gemini = v } }),
        new ConfigKey<Microsoft.Extensions.Logging.LogLevel>("log.level", Level, static (c, v) => c with { Log = c.Log with { Level = v } }),
        new ConfigKey<string>("log.format", OneOf("text", "json"), static (c, v) => c with { Log = c.Log with { Format = v == "json" ? LogFormat.Json : LogFormat.Text } }),
        new ConfigKey<TimeSpan>("timeouts.connect", PositiveDuration, static (c, v) => c with { Timeouts = c.Timeouts with { Connect = v } }),
        new ConfigKey<TimeSpan>("timeouts.first_byte", PositiveDuration, static (c, v) => c with { Timeouts = c.Timeouts with { FirstByte = v } }),
        new ConfigKey<TimeSpan>("timeouts.idle", PositiveDuration, static (c, v) => c with { Timeouts = c.Timeouts with { Idle = v } }),
        new ConfigKey<bool>("storage.enabled", Bool, static (c, v) => c with { Storage = c.Storage with { Enabled = v } }),
        new ConfigKey<string>("storage.path", FilePath, static (c, v) => c with { Storage = c.Storage with { Path = v } }),
        new ConfigKey<int>("storage.retention_days", Int(1, 36_500), static (c, v) => c with { Storage = c.Storage with { RetentionDays = v } }),
        new ConfigKey<bool>("capture.bodies", Bool, static (c, v) => c with { Capture = c.Capture with { Bodies = v } }),
        new ConfigKey<bool>("cache.enabled", Bool, static (c, v) => c with { Cache = c.Cache with { Enabled = v } }),
        new ConfigKey<TimeSpan>("cache.ttl", PositiveDuration, static (c, v) => c with { Cache = c.Cache with { Ttl = v } }),
        new ConfigKey<long>("cache.max_bytes", Size, static (c, v) => c with { Cache = c.Cache with { MaxBytes = v } }),
        new ConfigKey<bool>("cache.persist", Bool, static (c, v) => c with { Cache = c.Cache with { Persist = v } }),
        new ConfigKey<string>("pricing.path", FilePath, static (c, v) => c with { Pricing = c.Pricing with { Path = v } }),
        new ConfigKey<JsonElement>("pricing.overrides", Raw(allowObject: true), static (c, v) => c with { Pricing = c.Pricing with { Overrides = v } }, fromEnvironment: false),
        new ConfigKey<JsonElement>("budgets", Raw(allowObject: false), static (c, v) => c with { Budgets = v }, fromEnvironment: false),
        new ConfigKey<bool>("optimizer.enabled", Bool, static (c, v) => c with { Optimizer = c.Optimizer with { Enabled = v } }),
        new ConfigKey<string>("optimizer.mode", OneOf("passive", "interactive", "replay"), static (c, v) => c with { Optimizer = c.Optimizer with { Mode = v } }),
        new ConfigKey<System.Collections.Immutable.ImmutableArray<string>>("optimizer.kinds", ListOf(OptimizerConfig.KnownKinds), static (c, v) => c with { Optimizer = c.Optimizer with { Kinds = v } }),
        new ConfigKey<double>("optimizer.min_quality", Number(0, 1), static (c, v) => c with { Optimizer = c.Optimizer with { MinQuality = v } }),
        new ConfigKey<double>("optimizer.latency_budget_ms", Number(0, 60_000), static (c, v) => c with { Optimizer = c.Optimizer with { LatencyBudgetMs = v } }),
        new ConfigKey<long>("optimizer.max_body_bytes", SizeAtMost(int.MaxValue), static (c, v) => c with { Optimizer = c.Optimizer with { MaxBodyBytes = v } }),
        new ConfigKey<int>("optimizer.passive_queue", Int(1, 1_000_000), static (c, v) => c with { Optimizer = c.Optimizer with { PassiveQueue = v } }),
        new ConfigKey<bool>("optimizer.compress.collapse_duplicate_lines", Bool, static (c, v) => c with { Optimizer = c.Optimizer with { CompressCollapseDuplicateLines = v } }),
        new ConfigKey<double>("optimizer.dedupe.threshold", Number(0, 1), static (c, v) => c with { Optimizer = c.Optimizer with { DedupeThreshold = v } }),
        new ConfigKey<int>("optimizer.dedupe.min_tokens", Int(1, 1_000_000), static (c, v) => c with { Optimizer = c.Optimizer with { DedupeMinTokens = v } }),
        new ConfigKey<int>("optimizer.retrieval.min_block_tokens", Int(1, 10_000_000), static (c, v) => c with { Optimizer = c.Optimizer with { RetrievalMinBlockTokens = v } }),
        new ConfigKey<int>("optimizer.retrieval.min_chunks", Int(2, 10_000), static (c, v) => c with { Optimizer = c.Optimizer with { RetrievalMinChunks = v } }),
        new ConfigKey<int>("optimizer.retrieval.keep_min", Int(0, 10_000), static (c, v) => c with { Optimizer = c.Optimizer with { RetrievalKeepMin = v } }),
        new ConfigKey<double>("optimizer.retrieval.relative_score", Number(0, 1), static (c, v) => c with { Optimizer = c.Optimizer with { RetrievalRelativeScore = v } }),
        new ConfigKey<int>("optimizer.context_trim.max_tokens", Int(0, 10_000_000), static (c, v) => c with { Optimizer = c.Optimizer with { ContextTrimMaxTokens = v } }),
        new ConfigKey<int>("optimizer.context_trim.keep_last_turns", Int(0, 100_000), static (c, v) => c with { Optimizer = c.Optimizer with { ContextTrimKeepLastTurns = v } }),
        new ConfigKey<bool>("optimizer.context_trim.keep_first_user", Bool, static (c, v) => c with { Optimizer = c.Optimizer with { ContextTrimKeepFirstUser = v } }),
        new ConfigKey<System.Collections.Immutable.ImmutableArray<Optimizer.Pipeline.ModelRouteRule>>("optimizer.router.rules", RouteRules, static (c, v) => c with { Optimizer = c.Optimizer with { RouterRules = v } }, fromEnvironment: false),
        new ConfigKey<int>("optimizer.cache_hint.min_tokens", Int(1, 10_000_000), static (c, v) => c with { Optimizer = c.Optimizer with { CacheHintMinTokens = v } }),
        new ConfigKey<int>("optimizer.cache_hint.sessions", Int(1, 1_000_000), static (c, v) => c with { Optimizer = c.Optimizer with { CacheHintSessions = v } }),
        new ConfigKey<int>("optimizer.cache_hint.prefixes_per_session", Int(3, 10_000), static (c, v) => c with { Optimizer = c.Optimizer with { CacheHintPrefixesPerSession = v } }),
        new ConfigKey<bool>("otlp.enabled", Bool, static (c, v) => c with { Otlp = c.Otlp with { Enabled = v } }),
        new ConfigKey<Uri>("otlp.endpoint", HttpUrl, static (c, v) => c with { Otlp = c.Otlp with { Endpoint = v } }),
        new ConfigKey<string>("otlp.protocol", OneOf("http/protobuf", "http/json"), static (c, v) => c with { Otlp = c.Otlp with { Protocol = v } }),
        new ConfigKey<System.Collections.Immutable.ImmutableSortedDictionary<string, string>>("otlp.headers", StringMap, static (c, v) => c with { Otlp = c.Otlp with { Headers = v } }),
        new ConfigKey<bool>("otlp.include_content", Bool, static (c, v) => c with { Otlp = c.Otlp with { IncludeContent = v } }),
        new ConfigKey<string>("otlp.semconv", OneOf("current", "legacy"), static (c, v) => c with { Otlp = c.Otlp with { Semconv = v } }),
        // coaching.*: the daemon's workflow tracking and waste detection (docs/workflows.md). chain_max_gap also shapes the reports.
        new ConfigKey<bool>("coaching.enabled", Bool, static (c, v) => c with { Coaching = c.Coaching with { Enabled = v } }),
        new ConfigKey<TimeSpan>("coaching.workflow_idle", PositiveDuration, static (c, v) => c with { Coaching = c.Coaching with { WorkflowIdle = v } }),
        new ConfigKey<TimeSpan>("coaching.chain_max_gap", PositiveDuration, static (c, v) => c with { Coaching = c.Coaching with { ChainMaxGap = v } }),
        new ConfigKey<TimeSpan>("coaching.interval", PositiveDuration, static (c, v) => c with { Coaching = c.Coaching with { Interval = v } }),
        new ConfigKey<TimeSpan>("coaching.lookback", PositiveDuration, static (c, v) => c with { Coaching = c.Coaching with { Lookback = v } }),
        new ConfigKey<int>("coaching.queue", Int(1, 65_536), static (c, v) => c with { Coaching = c.Coaching with { Queue = v } }),
        new ConfigKey<int>("coaching.max_workflows", Int(1, 1_000_000), static (c, v) => c with { Coaching = c.Coaching with { MaxWorkflows = v } }),
        new ConfigKey<int>("coaching.max_steps", Int(1, 100_000), static (c, v) => c with { Coaching = c.Coaching with { MaxSteps = v } }),
    ];

    public static readonly FrozenDictionary<string, ConfigKey> ByPath = All.ToFrozenDictionary(static k => k.Path, StringComparer.Ordinal);

    /// <summary>Every object path that contains keys ("providers", "providers.openai", "log", ...).</summary>
    public static readonly FrozenSet<string> Sections = BuildSections();

    public static ConfigKey Get(string path) => ByPath[path];

    /// <summary>The closest known key (edit distance ≤ 3), to turn a typo into a hint.</summary>
    public static string? Suggest(string path)
    {
        string? best = null;
        var bestDistance = 4;
        foreach (var candidate in ByPath.Keys.Concat(Sections))
        {
            var distance = EditDistance(path, candidate);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        return best;
    }

    private static FrozenSet<string> BuildSections()
    {
        var sections = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in All)
        {
            var path = key.Path;
            for (var dot = path.LastIndexOf('.'); dot > 0; dot = path.LastIndexOf('.', dot - 1))
            {
                sections.Add(path[..dot]);
            }
        }

        return sections.ToFrozenSet(StringComparer.Ordinal);
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
