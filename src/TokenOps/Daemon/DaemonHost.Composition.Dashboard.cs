using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TokenOps.Configuration;
using TokenOps.Dashboard;

namespace TokenOps.Daemon;

/// <summary>
/// [J] The local dashboard. <see cref="ComposeDashboard"/> after the other features: it registers the
/// <see cref="TokenOps.Dashboard.Live.LiveFeedSink"/> as an <see cref="TokenOps.Core.Bus.IEventSink"/>, which the
/// <see cref="EventPipeline"/> picks up with the other extra sinks. <see cref="MapDashboard"/> anywhere after Build:
/// explicit routes beat the proxy's 404 fallback.
/// </summary>
internal sealed partial class DaemonHost
{
    private static void ComposeDashboard(IServiceCollection services, TokenOpsConfig config) =>
        services.AddTokenOpsDashboard(
            new DashboardOptions { Home = config.Home, StorageEnabled = config.Storage.Enabled, Version = BuildInfo.Version },
            InsightsComposition.Create(config)); // TryAdd: the InsightsOptions registered by ComposeCostStamper wins

    /// <summary>The token check (middleware) plus /dashboard and /api/dashboard/*.</summary>
    private static void MapDashboard(WebApplication app) => app.UseTokenOpsDashboard();
}
