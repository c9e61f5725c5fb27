using System.Text.Json;
using TokenOps.Configuration;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Core.Pricing;
using TokenOps.Insights;
using TokenOps.Insights.Budgets;
using TokenOps.Storage;

namespace TokenOps.Daemon;

/// <summary>
/// Turns <c>pricing.*</c> and <c>budgets</c> into the rate card and budget list that the daemon (cost stamping,
/// enforcement) and every CLI/MCP report share — one construction, so a price override means the same thing
/// everywhere. Invalid pricing or budgets are a configuration error (exit code 2 with every problem listed).
/// </summary>
internal static class InsightsComposition
{
    public static InsightsOptions Create(TokenOpsConfig config)
    {
        var errors = new List<string>();
        List<RateRow>? overrides = null;
        if (config.Pricing.Overrides is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } raw)
        {
            overrides = RateCard.ParseRows(raw.GetRawText(), "pricing.overrides", errors);
        }

        RateCard? rateCard = null;
        if (errors.Count == 0)
        {
            rateCard = RateCard.Create(overrides, config.Pricing.Path, out var pricingErrors);
            errors.AddRange(pricingErrors);
        }

        if (rateCard is null || errors.Count > 0)
        {
            throw new ConfigException("invalid pricing configuration:\n  " + string.Join("\n  ", errors));
        }

        IReadOnlyList<BudgetConfig> budgets = [];
        if (config.Budgets is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } rawBudgets)
        {
            var budgetErrors = new List<string>();
            var parsed = BudgetConfig.ParseList(rawBudgets.GetRawText(), budgetErrors);
            if (parsed is null || budgetErrors.Count > 0)
            {
                throw new ConfigException("invalid budgets configuration:\n  " + string.Join("\n  ", budgetErrors));
            }

            budgets = parsed;
        }

        var storePath = config.Storage.Path;
        return new InsightsOptions
        {
            StorePath = storePath,
            RateCard = rateCard,
            Budgets = budgets,
            Workflow = DaemonHost.CreateWorkflowOptions(config),
            OpenStoreWriter = () => new OwnedStoreSink(storePath, config.Storage.RetentionDays),
        };
    }

    /// <summary>A store sink that owns its store (for one-shot writers such as <c>tokenops demo</c>).</summary>
    private sealed class OwnedStoreSink : IEventSink, IDisposable
    {
        private readonly SqliteEventStore _store;
        private readonly IEventSink _sink;

        public OwnedStoreSink(string path, int retentionDays)
        {
            _store = SqliteEventStore.Open(new StoreOptions { Path = path, RetentionDays = retentionDays });
            _sink = _store.CreateSink();
        }

        public string Name => _sink.Name;

        public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken) => _sink.WriteBatchAsync(batch, cancellationToken);

        public ValueTask FlushAsync(CancellationToken cancellationToken) => _sink.FlushAsync(cancellationToken);

        public void Dispose()
        {
            (_sink as IDisposable)?.Dispose();
            _store.Dispose();
        }
    }
}
