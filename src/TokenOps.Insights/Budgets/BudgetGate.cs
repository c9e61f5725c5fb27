using TokenOps.Core.Budgets;

namespace TokenOps.Insights.Budgets;

/// <summary>
/// <see cref="IBudgetGate"/> for the proxy: a snapshot of the exhausted ENFORCED budgets, refreshed from the store every
/// <c>refreshInterval</c> (default 30 s) on a timer, so a check never touches the store. Between refreshes a budget can
/// overshoot by at most one interval's spend — the documented price of keeping the request path free of I/O.
/// </summary>
public sealed class BudgetGate : IBudgetGate, IDisposable
{
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly InsightsOptions _options;
    private readonly BudgetService _service;
    private readonly ITimer? _timer;
    private readonly Lock _refreshLock = new();
    private volatile Exhausted[] _exhausted = [];

    public BudgetGate(InsightsOptions options, TimeSpan? refreshInterval = null, bool startTimer = true)
    {
        _options = options;
        _service = new BudgetService(options);
        var interval = refreshInterval ?? DefaultRefreshInterval;
        var anyEnforced = false;
        foreach (var b in options.Budgets)
        {
            anyEnforced |= b.Enforce;
        }

        if (startTimer && anyEnforced)
        {
            _timer = options.Time.CreateTimer(static state => ((BudgetGate)state!).Refresh(), this, TimeSpan.Zero, interval);
        }
    }

    /// <summary>The last refresh failure (e.g. storage off), or null. Enforcement needs the store.</summary>
    public string? LastError { get; private set; }

    public DateTimeOffset? LastRefresh { get; private set; }

    /// <summary>Re-reads the store and swaps the snapshot. Never throws: a failure keeps the previous snapshot and sets <see cref="LastError"/>.</summary>
    public void Refresh()
    {
        lock (_refreshLock)
        {
            try
            {
                var hasEnforced = false;
                foreach (var b in _options.Budgets)
                {
                    hasEnforced |= b.Enforce;
                }

                if (!hasEnforced)
                {
                    _exhausted = [];
                    return;
                }

                var report = _service.GetReport();
                var list = new List<Exhausted>();
                for (var i = 0; i < report.Budgets.Count; i++)
                {
                    var status = report.Budgets[i];
                    var config = _options.Budgets[i];
                    if (config.Enforce && status.State == BudgetStates.Exceeded)
                    {
                        list.Add(new Exhausted(config, $"TokenOps budget '{config.Name}' exhausted: ${status.ActualUsd:0.00} spent of ${config.LimitUsd:0.00} ({config.Window} window, resets {status.WindowEnd:yyyy-MM-dd HH:mm zzz}). Raise the limit or set enforce=false in ~/.tokenops/config.json."));
                    }
                }

                _exhausted = [.. list];
                LastError = null;
                LastRefresh = _options.Time.GetUtcNow();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LastError = ex.Message;
            }
        }
    }

    public bool TryGetExceeded(string provider, string? model, string? workflowId, string? agentId, out string? message)
    {
        var snapshot = _exhausted;
        foreach (var entry in snapshot)
        {
            var b = entry.Budget;
            if ((b.Provider is null || string.Equals(b.Provider, provider, StringComparison.OrdinalIgnoreCase))
                && (b.Model is null || BudgetService.ModelMatches(_options.RateCard, b.Model, provider, model))
                && (b.Workflow is null || string.Equals(b.Workflow, workflowId, StringComparison.Ordinal))
                && (b.Agent is null || string.Equals(b.Agent, agentId, StringComparison.Ordinal)))
            {
                message = entry.Message;
                return true;
            }
        }

        message = null;
        return false;
    }

    public void Dispose() => _timer?.Dispose();

    private sealed record Exhausted(BudgetConfig Budget, string Message);
}
