using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TokenOps.Core.Bus;
using TokenOps.Core.Pricing;
using TokenOps.Proxy.Forwarding;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy;

public static class ProxyServiceCollectionExtensions
{
    /// <summary>
    /// Registers the forwarder. Optional collaborators are picked up from DI when the forwarder is first
    /// resolved: <see cref="IEventPublisher"/> (none = minimal mode, no events built), <see cref="IExchangeObserverFactory"/>,
    /// <see cref="IPromptCostStamper"/>, any number of <see cref="IPreForwardInterceptor"/> (run in registration order)
    /// and <see cref="IExchangeCompletionHook"/> (run off the request path before publishing).
    /// <see cref="ForwarderCounters"/> is registered as a singleton for <c>status</c>/<c>/readyz</c>.
    /// </summary>
    public static IServiceCollection AddTokenOpsProxy(this IServiceCollection services, ProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ForwarderCounters>();
        services.TryAddSingleton(CreateForwarder);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CompletionPumpDrain>());
        return services;
    }

    private static Forwarder CreateForwarder(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<ProxyOptions>();
        var logger = provider.GetService<ILoggerFactory>()?.CreateLogger("TokenOps.Proxy.Forwarder") ?? NullLogger.Instance;
        var services = new ForwarderServices(
            provider.GetRequiredService<ForwarderCounters>(),
            provider.GetRequiredService<TimeProvider>(),
            logger,
            options.MaxPendingCompletions,
            provider.GetService<IEventPublisher>(),
            provider.GetService<IExchangeObserverFactory>(),
            provider.GetService<IPromptCostStamper>(),
            [.. provider.GetServices<IPreForwardInterceptor>()],
            [.. provider.GetServices<IExchangeCompletionHook>()],
            options.CompletionDelay);
        return new Forwarder(options, UpstreamHandlerFactory.CreateInvoker(options), services, logger);
    }
}

public static class ProxyEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/openai/{**rest}</c>, <c>/anthropic/{**rest}</c>, <c>/gemini/{**rest}</c> (any method) to the forwarder,
    /// and — unless <see cref="ProxyOptions.MapNotFoundFallback"/> is false — a lowest-priority fallback that answers
    /// every unmatched path with a JSON 404. Explicitly mapped endpoints (/healthz, /readyz, /version, /api/...,
    /// /dashboard/...) always win over the fallback. A host serving static files through middleware (which only
    /// runs when no endpoint matched) should map those paths explicitly or switch the fallback off.
    /// </summary>
    public static IEndpointRouteBuilder MapTokenOpsProxy(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var forwarder = endpoints.ServiceProvider.GetRequiredService<Forwarder>();
        var options = endpoints.ServiceProvider.GetRequiredService<ProxyOptions>();
        foreach (var route in forwarder.Routes)
        {
            var mounted = route;
            RequestDelegate handler = context => forwarder.ForwardAsync(context, mounted);
            endpoints.Map(route.Prefix + "/{**rest}", handler).WithDisplayName("TokenOps proxy " + route.Name);
        }

        if (options.MapNotFoundFallback)
        {
            RequestDelegate notFound = forwarder.NotFoundAsync;
            endpoints.MapFallback("{**path}", notFound).WithDisplayName("TokenOps not found");
        }

        return endpoints;
    }
}
