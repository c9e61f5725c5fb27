using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Configuration;

/// <summary>
/// The merged configuration of one TokenOps process: embedded defaults, then
/// <c>$TOKENOPS_HOME/config.json</c>, then <c>TOKENOPS_*</c> environment variables, then command-line
/// flags (see <see cref="ConfigLoader"/>). Every key is listed in <see cref="ConfigKeys"/> and in the
/// README's configuration reference.
/// </summary>
internal sealed record TokenOpsConfig
{
    public const string DefaultListen = "127.0.0.1:7878";

    /// <summary>The TokenOps home directory (TOKENOPS_HOME, default ~/.tokenops). Not a config key.</summary>
    public required string Home { get; init; }

    /// <summary>The config file that was read, or null when none exists (embedded defaults only).</summary>
    public string? ConfigFile { get; init; }

    public string Listen { get; init; } = DefaultListen;

    /// <summary>
    /// <c>inline_io</c> (default on): socket completions and Kestrel's request processing run on the socket event-loop
    /// threads instead of being handed to the thread pool — one thread per request instead of three or four hops, which
    /// on a 2-core machine is most of the proxy's CPU and its tail latency. Work that can block or burn CPU (dashboard and
    /// control endpoints, the interactive optimizer, hashing a huge body) steps off the event loop first.
    /// </summary>
    public bool InlineIo { get; init; } = true;

    public ProvidersConfig Providers { get; init; } = new();

    public LogConfig Log { get; init; } = new();

    public TimeoutsConfig Timeouts { get; init; } = new();

    public required StorageConfig Storage { get; init; }

    public CaptureConfig Capture { get; init; } = new();

    public CacheConfig Cache { get; init; } = new();

    public PricingConfig Pricing { get; init; } = new();

    /// <summary>Raw <c>budgets[]</c> array; validated and interpreted by the budgets feature.</summary>
    public JsonElement? Budgets { get; init; }

    public OptimizerConfig Optimizer { get; init; } = new();

    public OtlpConfig Otlp { get; init; } = new();

    public CoachingConfig Coaching { get; init; } = new();

    /// <summary>The parsed <see cref="Listen"/> address.</summary>
    public ListenAddress ListenAddress => ListenAddress.Parse(Listen);

    /// <summary>Embedded defaults: <c>tokenops start</c> works with no config file at all.</summary>
    public static TokenOpsConfig CreateDefault(string home) => new()
    {
        Home = home,
        Storage = new StorageConfig { Path = System.IO.Path.Combine(home, "events.db") },
    };
}

internal sealed record ProvidersConfig
{
    public Uri OpenAI { get; init; } = new("https://api.openai.com");

    public Uri Anthropic { get; init; } = new("https://api.anthropic.com");

    public Uri Gemini { get; init; } = new("https://generativelanguage.googleapis.com");
}

internal enum LogFormat
{
    Text,
    Json,
}

internal sealed record LogConfig
{
    public LogLevel Level { get; init; } = LogLevel.Information;

    public LogFormat Format { get; init; } = LogFormat.Text;
}

/// <summary>
/// Timeouts sized for LLM traffic: reasoning models may think for minutes before the first byte and
/// streams may pause long between events, so there is no total-duration cap.
/// </summary>
internal sealed record TimeoutsConfig
{
    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan FirstByte { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan Idle { get; init; } = TimeSpan.FromMinutes(5);
}

internal sealed record StorageConfig
{
    public bool Enabled { get; init; }

    public required string Path { get; init; }

    public int RetentionDays { get; init; } = 90;
}

internal sealed record CaptureConfig
{
    /// <summary>Store request/response bodies (needed by replay). Off: prompts never touch the disk.</summary>
    public bool Bodies { get; init; }
}

internal sealed record CacheConfig
{
    public bool Enabled { get; init; }

    public TimeSpan Ttl { get; init; } = TimeSpan.FromMinutes(10);

    public long MaxBytes { get; init; } = Proxy.Cache.CacheOptions.DefaultMaxBytes;

    public bool Persist { get; init; }
}

internal sealed record PricingConfig
{
    /// <summary>Optional rate-card file with the same schema as the embedded one.</summary>
    public string? Path { get; init; }

    /// <summary>Raw override rows; validated by the pricing feature.</summary>
    public JsonElement? Overrides { get; init; }
}

internal sealed record OptimizerConfig
{
    /// <summary>The optimizer kinds a user can name in <c>optimizer.kinds</c>.</summary>
    public static readonly ImmutableArray<string> KnownKinds =
        ["prompt_compress", "semantic_dedupe", "context_trim", "retrieval_prune", "model_router", "prompt_cache_hint"];

    public bool Enabled { get; init; }

    /// <summary>passive | interactive | replay.</summary>
    public string Mode { get; init; } = "passive";

    /// <summary>Enabled optimizer kinds; all of them by default.</summary>
    public ImmutableArray<string> Kinds { get; init; } = KnownKinds;

    public double MinQuality { get; init; } = 0.85;

    // The rest mirror TokenOps.Optimizer.Pipeline.OptimizerOptions (same defaults); see the README's configuration table.
    public double LatencyBudgetMs { get; init; } = 2;

    public long MaxBodyBytes { get; init; } = 4L * 1024 * 1024;

    public int PassiveQueue { get; init; } = 256;

    public bool CompressCollapseDuplicateLines { get; init; } = true;

    public double DedupeThreshold { get; init; } = 0.85;

    public int DedupeMinTokens { get; init; } = 50;

    public int RetrievalMinBlockTokens { get; init; } = 400;

    public int RetrievalMinChunks { get; init; } = 4;

    public int RetrievalKeepMin { get; init; } = 2;

    public double RetrievalRelativeScore { get; init; } = 0.2;

    /// <summary>0 disables context trimming.</summary>
    public int ContextTrimMaxTokens { get; init; }

    /// <summary>0 keeps as many turns as fit.</summary>
    public int ContextTrimKeepLastTurns { get; init; }

    public bool ContextTrimKeepFirstUser { get; init; } = true;

    /// <summary><c>optimizer.router.rules</c>, in order (first match wins); validated when read.</summary>
    public ImmutableArray<ModelRouteRule> RouterRules { get; init; } = [];

    public int CacheHintMinTokens { get; init; } = 1024;

    public int CacheHintSessions { get; init; } = 1024;

    public int CacheHintPrefixesPerSession { get; init; } = 32;
}

internal sealed record OtlpConfig
{
    public bool Enabled { get; init; }

    public Uri Endpoint { get; init; } = new("http://localhost:4318");

    /// <summary>http/protobuf | http/json.</summary>
    public string Protocol { get; init; } = "http/protobuf";

    /// <summary>Extra request headers (usually credentials): always masked in <c>config show</c>.</summary>
    public ImmutableSortedDictionary<string, string> Headers { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public bool IncludeContent { get; init; }

    /// <summary>current | legacy (legacy additionally emits the older GenAI attribute names).</summary>
    public string Semconv { get; init; } = "current";
}

/// <summary>
/// <c>coaching.*</c>: workflow tracking and waste detection in the daemon (docs/workflows.md). The defaults equal
/// <see cref="Insights.Coaching.CoachingOptions"/>'s; <c>DaemonHost.CreateCoachingOptions</c> maps them.
/// </summary>
internal sealed record CoachingConfig
{
    public bool Enabled { get; init; } = true;

    /// <summary>A workflow with no new step for this long is complete (or failed).</summary>
    public TimeSpan WorkflowIdle { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest pause between two turns that prefix chaining still joins (daemon and reports alike).</summary>
    public TimeSpan ChainMaxGap { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the detector sweeps the store.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How far back each sweep looks.</summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Bound of the analysis queue (full: new work is dropped and counted).</summary>
    public int Queue { get; init; } = 256;

    /// <summary>Workflows tracked at once; beyond it the oldest-idle one is closed early.</summary>
    public int MaxWorkflows { get; init; } = 1024;

    /// <summary>Steps kept in memory per active workflow for its idle analysis.</summary>
    public int MaxSteps { get; init; } = 512;
}
