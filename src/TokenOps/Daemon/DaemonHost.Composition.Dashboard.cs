using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TokenOps.Configuration;
using TokenOps.Core.Pricing;
using TokenOps.Dashboard;
using TokenOps.Insights;
using TokenOps.Insights.Budgets;
using TokenOps.Storage;

namespace TokenOps.Daemon;

/// <summary>
/// Merge point [J]: the local dashboard. <see cref="ComposeDashboard"/> after the other features (it registers the
/// <see cref="TokenOps.Dashboard.Live.LiveFeedSink"/>, which the bus must receive as a sink), <see cref="MapDashboard"/>
/// before <c>MapProxy</c> or after it — explicit routes beat the proxy's 404 fallback either way.
/// </summary>
internal sealed partial class DaemonHost
{
    private static void ComposeDashboard(IServiceCollection services, TokenOpsConfig config) =>
        services.AddTokenOpsDashboard(
            new DashboardOptions { Home = config.Home, StorageEnabled = config.Storage.Enabled },
            CreateInsightsOptions(config));

    /// <summary>The token check (middleware) plus /dashboard and /api/dashboard/*.</summary>
    private static void MapDashboard(WebApplication app) => app.UseTokenOpsDashboard();

    /// <summary>
    /// The query layer's options from the config: store path, budgets and the effective rate card. Config problems were
    /// reported by the loader already; here a bad pricing file falls back to the embedded card rather than failing the daemon.
    /// </summary>
    internal static InsightsOptions CreateInsightsOptions(TokenOpsConfig config)
    {
        var errors = new List<string>();
        IReadOnlyList<BudgetConfig> budgets = config.Budgets is { } b ? BudgetConfig.ParseList(b.GetRawText(), errors) ?? [] : [];
        var overrides = config.Pricing.Overrides is { } o ? RateCard.ParseRows(o.GetRawText(), "pricing.overrides", errors) : null;
        var card = overrides is null && string.IsNullOrWhiteSpace(config.Pricing.Path)
            ? RateCard.Embedded
            : RateCard.Create(overrides, config.Pricing.Path, out _) ?? RateCard.Embedded;
        return new InsightsOptions
        {
            StorePath = StorePaths.Expand(config.Storage.Path),
            RateCard = card,
            Budgets = budgets,
        };
    }
}
