using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TokenOps.Configuration;
using TokenOps.Core.Budgets;
using TokenOps.Core.Bus;
using TokenOps.Core.Caching;
using TokenOps.Core.Pricing;
using TokenOps.Insights;
using TokenOps.Insights.Budgets;
using TokenOps.Proxy;
using TokenOps.Proxy.Budgets;
using TokenOps.Proxy.Cache;
using TokenOps.Proxy.Forwarding;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Proxy.Observation;
using TokenOps.Proxy.Optimization;
using TokenOps.Storage.Cache;

namespace TokenOps.Daemon;

/// <summary>
/// Feature composition, one method per feature, called in this order by <see cref="BuildAsync"/>, so the
/// composition of the whole daemon reads top to bottom in this file.
/// </summary>
internal sealed partial class DaemonHost
{
    /// <summary>
    /// [B] The ring-buffer bus and its sinks: SQLite when <c>storage.enabled</c>, OTLP when <c>otlp.enabled</c>, plus
    /// any <see cref="IEventSink"/> another feature registers. Started and drained with the host.
    /// </summary>
    private static Task ComposeEventPipelineAsync(IServiceCollection services, TokenOpsConfig config, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        services.AddSingleton<EventPipeline>();
        services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<EventPipeline>());
        services.AddSingleton<IDaemonCounterSource>(static sp => sp.GetRequiredService<EventPipeline>());
        services.AddSingleton<IEventPublisher>(static sp => sp.GetRequiredService<EventPipeline>().Bus);
        return Task.CompletedTask;
    }

    /// <summary>
    /// [B] The observation tap: request hashing, tokenizers (warmed in the background once the socket listens), usage taps. The passive
    /// optimizer reads the captured request body off the request path, so it turns request capture on for itself and
    /// scrubs the body before the event is published unless the user opted into <c>capture.bodies</c>. It never reads the
    /// response, so without the opt-in no response body is copied.
    /// </summary>
    private static void ComposeObservation(IServiceCollection services, TokenOpsConfig config)
    {
        services.AddTokenizerWarmup();
        var options = new ObservationOptions
        {
            CaptureRequestBodies = config.Capture.Bodies || PassiveOptimizerNeedsBodies(config),
            CaptureResponseBodies = config.Capture.Bodies,
        };
        services.AddSingleton<IExchangeObserverFactory>(sp => new ExchangeObserverFactory(
            options,
            TimeProvider.System));
    }

    /// <summary>
    /// [E] The optimizer pipeline: interactive (per request with <c>X-TokenOps-Optimize: interactive</c>, or
    /// <c>optimizer.mode=interactive</c>) rewrites before forwarding; passive recommends off the request path.
    /// Registered after the budget gate and the cache, so the cache keys on what the client sent.
    /// </summary>
    private static void ComposeOptimizer(IServiceCollection services, TokenOpsConfig config)
    {
        services.AddTokenOpsOptimizer(CreateOptimizerOptions(config));
        services.AddSingleton<IDaemonCounterSource, PassiveOptimizerCounterSource>();
    }

    internal static OptimizerOptions CreateOptimizerOptions(TokenOpsConfig config) => new()
    {
        Enabled = config.Optimizer.Enabled,
        Mode = string.Equals(config.Optimizer.Mode, "interactive", StringComparison.OrdinalIgnoreCase) ? OptimizerMode.Interactive : OptimizerMode.Passive,
        Kinds = [.. config.Optimizer.Kinds],
        MinQuality = config.Optimizer.MinQuality,
        LatencyBudgetMs = config.Optimizer.LatencyBudgetMs,
        MaxBodyBytes = (int)config.Optimizer.MaxBodyBytes, // validated ≤ int.MaxValue
        PassiveQueueCapacity = config.Optimizer.PassiveQueue,
        ScrubCapturedBodies = !config.Capture.Bodies,
        CompressDuplicateLines = config.Optimizer.CompressCollapseDuplicateLines,
        DedupeThreshold = config.Optimizer.DedupeThreshold,
        DedupeMinTokens = config.Optimizer.DedupeMinTokens,
        RetrievalMinBlockTokens = config.Optimizer.RetrievalMinBlockTokens,
        RetrievalMinChunks = config.Optimizer.RetrievalMinChunks,
        RetrievalKeepMin = config.Optimizer.RetrievalKeepMin,
        RetrievalRelativeScore = config.Optimizer.RetrievalRelativeScore,
        ContextTrimMaxTokens = config.Optimizer.ContextTrimMaxTokens,
        ContextTrimKeepLastTurns = config.Optimizer.ContextTrimKeepLastTurns,
        ContextTrimKeepFirstUser = config.Optimizer.ContextTrimKeepFirstUser,
        RouterRules = [.. config.Optimizer.RouterRules],
        CacheHintMinTokens = config.Optimizer.CacheHintMinTokens,
        CacheHintSessions = config.Optimizer.CacheHintSessions,
        CacheHintPrefixesPerSession = config.Optimizer.CacheHintPrefixesPerSession,
    };

    private static bool PassiveOptimizerNeedsBodies(TokenOpsConfig config) =>
        config.Optimizer.Enabled && !string.Equals(config.Optimizer.Mode, "interactive", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// [D] Pricing and budgets: the cost stamper from the embedded rate card plus <c>pricing.path</c> /
    /// <c>pricing.overrides</c>; the budget gate; enforcement (429) only when a budget says <c>enforce: true</c>.
    /// </summary>
    private static void ComposeCostStamper(IServiceCollection services, TokenOpsConfig config)
    {
        var insights = InsightsComposition.Create(config);
        services.AddSingleton(insights);
        services.AddSingleton<IPromptCostStamper>(new CostCalculator(insights.RateCard));
        if (insights.Budgets.Count == 0)
        {
            return;
        }

        services.AddSingleton(sp => new BudgetGate(insights with { Time = sp.GetRequiredService<TimeProvider>() }));
        services.AddSingleton<IBudgetGate>(static sp => sp.GetRequiredService<BudgetGate>());
        var enforce = false;
        foreach (var budget in insights.Budgets)
        {
            enforce |= budget.Enforce;
        }

        if (enforce)
        {
            services.AddSingleton<IPreForwardInterceptor>(static sp => new BudgetInterceptor(
                sp.GetRequiredService<IBudgetGate>(),
                sp.GetRequiredService<ILogger<BudgetInterceptor>>()));
        }
    }

    /// <summary>
    /// [C] The response cache on the request path (<c>cache.*</c>), persisted next to the events in its own file
    /// (<c>cache.db</c>) when <c>cache.persist</c>. Registered after budget enforcement: an exhausted budget is
    /// answered before the cache is consulted.
    /// </summary>
    private static void ComposeCache(IServiceCollection services, TokenOpsConfig config)
    {
        if (!config.Cache.Enabled)
        {
            return;
        }

        ICachePersistence? persistence = null;
        if (config.Cache.Persist)
        {
            try
            {
                persistence = new SqliteCachePersistence(Path.Combine(config.Home, "cache.db"));
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
            {
                // A broken cache file costs persistence, never the proxy: warn and cache in memory only.
                Console.Error.WriteLine($"tokenops: cache.persist: cannot open {Path.Combine(config.Home, "cache.db")} ({ex.Message}); caching in memory only");
            }
        }

        services.AddTokenOpsCache(
            new CacheOptions
            {
                Enabled = true,
                Ttl = config.Cache.Ttl,
                MaxBytes = config.Cache.MaxBytes,
                Persist = persistence is not null,
            },
            persistence);
        services.AddSingleton<IDaemonCounterSource, CacheCounterSource>();
    }

    /// <summary>
    /// [A] The forwarder: upstreams from <c>providers.*.url</c>, timeouts from <c>timeouts.*</c>. It picks up
    /// the publisher, observer factory, cost stamper and pre-forward interceptors (cache, optimizer)
    /// registered above from DI; without them it runs in forwarding-only mode.
    /// </summary>
    private static void ComposeProxy(IServiceCollection services, TokenOpsConfig config)
    {
        services.AddTokenOpsProxy(CreateProxyOptions(config));
        services.AddSingleton<IDaemonCounterSource, ProxyCounterSource>();
    }

    /// <summary>[A] The provider routes /openai, /anthropic, /gemini, the cache API, and the JSON 404 for anything unmatched.</summary>
    private static void MapProxy(WebApplication app)
    {
        app.MapTokenOpsCacheApi();
        app.MapTokenOpsProxy();
    }

    internal static ProxyOptions CreateProxyOptions(TokenOpsConfig config) => new()
    {
        Upstreams = new Dictionary<string, Uri>(StringComparer.Ordinal)
        {
            ["openai"] = config.Providers.OpenAI,
            ["anthropic"] = config.Providers.Anthropic,
            ["gemini"] = config.Providers.Gemini,
        },
        ConnectTimeout = config.Timeouts.Connect,
        FirstByteTimeout = config.Timeouts.FirstByte,
        IdleTimeout = config.Timeouts.Idle,
    };

    /// <summary>The passive optimizer's figures under <c>optimizer.passive.*</c> (nothing when it is not running).</summary>
    private sealed class PassiveOptimizerCounterSource(IServiceProvider services) : IDaemonCounterSource
    {
        public void WriteCounters(IDictionary<string, long> counters)
        {
            if (services.GetService<IPassiveOptimizerStatus>() is not { } passive)
            {
                return;
            }

            counters["optimizer.passive.analysed"] = passive.Processed;
            counters["optimizer.passive.dropped"] = passive.Dropped;
            counters["optimizer.passive.failed"] = passive.Failed;
            counters["optimizer.passive.queued_bytes"] = passive.QueuedBytes;
        }
    }

    /// <summary>Cache figures for <c>/readyz</c> and <c>tokenops status</c>.</summary>
    private sealed class CacheCounterSource(ResponseCache cache) : IDaemonCounterSource
    {
        public void WriteCounters(IDictionary<string, long> counters)
        {
            var stats = cache.GetStats();
            counters["cache.entries"] = stats.Entries;
            counters["cache.bytes"] = stats.Bytes;
            counters["cache.hits"] = stats.Hits;
            counters["cache.misses"] = stats.Misses;
            counters["cache.bypasses"] = stats.Bypasses;
            counters["cache.evictions"] = stats.Evictions;
            counters["cache.saved_tokens"] = stats.SavedInputTokens + stats.SavedOutputTokens;
        }
    }
}
