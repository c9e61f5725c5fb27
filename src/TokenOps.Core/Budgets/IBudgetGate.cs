namespace TokenOps.Core.Budgets;

/// <summary>
/// Budget enforcement as seen by the proxy (which must not reference Insights). Implemented in TokenOps.Insights over a
/// periodically refreshed snapshot, so a check is a scan of a small array: no I/O, no allocation.
/// </summary>
public interface IBudgetGate
{
    /// <summary>
    /// True when an ENFORCED budget whose filters match this request is exhausted; <paramref name="message"/> then says
    /// which budget, its limit and window (safe to return to the client in a 429 body and to log).
    /// </summary>
    bool TryGetExceeded(string provider, string? model, string? workflowId, string? agentId, out string? message);
}
