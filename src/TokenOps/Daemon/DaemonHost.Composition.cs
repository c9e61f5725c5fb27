using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TokenOps.Configuration;
using TokenOps.Proxy;

namespace TokenOps.Daemon;

/// <summary>
/// Feature composition, one method per feature, called in this order by <see cref="BuildAsync"/>.
/// Merge points: each feature branch wires itself here and nowhere else, so the composition of the
/// whole daemon reads top to bottom in this file.
/// </summary>
internal sealed partial class DaemonHost
{
    /// <summary>
    /// Merge point [B]: the ring-buffer bus (<c>EventBus : IEventPublisher</c>) and its sinks — the
    /// SQLite store when <c>storage.enabled</c> (opened here, so a bad database path fails before we
    /// listen), later the OTLP exporter when <c>otlp.enabled</c>. Register the bus as a hosted service
    /// so it drains within <see cref="DaemonHostOptions.ShutdownTimeout"/> on stop, and as an
    /// <see cref="IDaemonCounterSource"/> for /readyz. Nothing is registered until the store branch is
    /// merged: the proxy then runs in forwarding-only mode.
    /// </summary>
    private static Task ComposeEventPipelineAsync(IServiceCollection services, TokenOpsConfig config, CancellationToken cancellationToken)
    {
        _ = services;
        _ = config;
        cancellationToken.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Merge point [B]: the observation tap — register the
    /// <c>TokenOps.Proxy.Observation.IExchangeObserverFactory</c> (request hashing, tokenizers, usage
    /// taps). Without one the forwarder runs in forwarding-only mode.
    /// </summary>
    private static void ComposeObservation(IServiceCollection services, TokenOpsConfig config)
    {
        _ = services;
        _ = config;
    }

    /// <summary>
    /// Merge point [D]: the cost stamper — register <c>TokenOps.Core.Pricing.IPromptCostStamper</c>
    /// built from the embedded rate card plus <c>pricing.path</c> / <c>pricing.overrides</c>.
    /// </summary>
    private static void ComposeCostStamper(IServiceCollection services, TokenOpsConfig config)
    {
        _ = services;
        _ = config;
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

    /// <summary>[A] The provider routes /openai, /anthropic, /gemini and the JSON 404 for anything unmatched.</summary>
    private static void MapProxy(WebApplication app) => app.MapTokenOpsProxy();

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
}
