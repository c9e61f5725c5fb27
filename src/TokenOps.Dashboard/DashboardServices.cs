using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TokenOps.Core.Bus;
using TokenOps.Dashboard.Api;
using TokenOps.Dashboard.Assets;
using TokenOps.Dashboard.Live;
using TokenOps.Insights;

namespace TokenOps.Dashboard;

/// <summary>Wiring for the host: <see cref="AddTokenOpsDashboard"/> at composition, <see cref="UseTokenOpsDashboard"/> after Build.</summary>
public static class DashboardServices
{
    /// <summary>
    /// Registers the options, the token (read or minted now, so a bad home fails before listening), the query gate and the
    /// <see cref="LiveFeedSink"/> — which the host must also hand to the event bus as a sink.
    /// </summary>
    public static IServiceCollection AddTokenOpsDashboard(this IServiceCollection services, DashboardOptions options, InsightsOptions insights)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.TryAddSingleton(insights);
        services.AddSingleton(new DashboardTokenHolder(DashboardToken.LoadOrCreate(options.Home)));
        services.AddSingleton<DashboardQueryGate>();
        services.AddSingleton(static sp => new DashboardResponseCache(sp.GetRequiredService<LiveFeedSink>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<LiveFeedSink>();
        services.AddSingleton<IEventSink>(static sp => sp.GetRequiredService<LiveFeedSink>());
        return services;
    }

    /// <summary>Adds the token check and maps /dashboard (embedded page) and /api/dashboard/* (explicit routes beat the proxy's 404 fallback).</summary>
    public static WebApplication UseTokenOpsDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<DashboardAuthMiddleware>();
        MapTokenOpsDashboard(app);
        return app;
    }

    public static IEndpointRouteBuilder MapTokenOpsDashboard(IEndpointRouteBuilder endpoints)
    {
        DashboardAssets.Map(endpoints);
        DashboardApi.Map(endpoints);
        return endpoints;
    }

    /// <summary>Marks an endpoint outside /dashboard and /api/dashboard as needing the dashboard token too.</summary>
    public static TBuilder RequireDashboardToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new DashboardTokenRequired());
        return builder;
    }
}
