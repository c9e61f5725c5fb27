using System.Security.Cryptography;
using System.Text;

namespace TokenOps.Insights.Workflow;

/// <summary>Which workflow a step belongs to: an explicit workflow id, a session id, or an inferred prefix chain.</summary>
public readonly record struct WorkflowKey(string Id, string Kind)
{
    public bool IsNone => Id is null;
}

/// <summary>Values of <see cref="WorkflowKey.Kind"/> and of the reports' <c>kind</c>.</summary>
public static class WorkflowKinds
{
    /// <summary>Steps sharing X-TokenOps-Workflow-Id.</summary>
    public const string Workflow = "workflow";
    /// <summary>Steps sharing X-TokenOps-Session-Id (and no workflow id).</summary>
    public const string Session = "session";
    /// <summary>Steps chained by their message lists (no id header): see docs/workflows.md.</summary>
    public const string Inferred = "inferred";
}

/// <summary>
/// Assigns steps, in time order, to workflows. Precedence: <c>workflow_id</c>, then <c>session_id</c>, then prefix
/// chaining — a step whose <c>parent_messages_hash</c> equals the <c>messages_hash</c> of an earlier step of the same
/// provider and credential (within <see cref="WorkflowOptions.ChainMaxGap"/>) continues that step's chain; a step that
/// re-sends the exact same conversation (a retry, a repeat) joins the chain that sent it. Anything else starts a chain
/// whose id is <c>auto-</c> + a hash of its first event id (stable across runs that see the same first event).
/// Used offline over a time range (reports) and online by the daemon's tracker, so both name chains the same way.
/// </summary>
/// <param name="maxGap">How long a chain waits for its next step.</param>
/// <param name="maxTrackedHashes">
/// Bound on the conversations remembered at once (the daemon's tracker). The time bound alone grows with the request
/// rate (1k requests/s within a 30-minute gap are 1.8M entries); past this bound the older half is forgotten, so a
/// continuation arriving after that many newer conversations starts a new chain. Reports over a range pass no bound.
/// </param>
internal sealed class SessionInferrer(TimeSpan maxGap, int maxTrackedHashes = int.MaxValue)
{
    private readonly Dictionary<(string Provider, string Credential, string Hash), Chain> _byHash = [];
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;

    /// <summary>The step's workflow, or <c>default</c> (<see cref="WorkflowKey.IsNone"/>) when it belongs to none (e.g. embeddings).</summary>
    public WorkflowKey Assign(StepRow row)
    {
        if (!string.IsNullOrEmpty(row.WorkflowId))
        {
            return new WorkflowKey(row.WorkflowId, WorkflowKinds.Workflow);
        }

        if (!string.IsNullOrEmpty(row.SessionId))
        {
            return new WorkflowKey(row.SessionId, WorkflowKinds.Session);
        }

        if (row.MessagesHash is null)
        {
            return default;
        }

        var credential = row.CredentialHash ?? "";
        Chain? chain = null;
        if (row.ParentMessagesHash is { } parent && _byHash.TryGetValue((row.Provider, credential, parent), out var p)
            && row.Timestamp - p.Last <= maxGap)
        {
            chain = p;
        }
        else if (_byHash.TryGetValue((row.Provider, credential, row.MessagesHash), out var same) && row.Timestamp - same.Last <= maxGap)
        {
            chain = same;
        }

        chain ??= new Chain(ChainId(row.Id));
        if (row.Timestamp > chain.Last)
        {
            chain.Last = row.Timestamp;
        }

        _byHash[(row.Provider, credential, row.MessagesHash)] = chain;
        if (row.Timestamp - _lastPrune > maxGap)
        {
            Prune(row.Timestamp);
        }

        if (_byHash.Count > maxTrackedHashes)
        {
            ForgetOlderHalf();
        }

        return new WorkflowKey(chain.Id, WorkflowKinds.Inferred);
    }

    /// <summary>Forgets chains idle longer than the max gap (bounds memory in the daemon).</summary>
    public void Prune(DateTimeOffset now)
    {
        _lastPrune = now;
        ForgetChainsLastActiveBefore(now.UtcTicks - maxGap.Ticks);
    }

    internal int TrackedHashes => _byHash.Count;

    /// <summary>Keeps the most recently active half (ties at the median go too): amortised O(log n) per step.</summary>
    private void ForgetOlderHalf()
    {
        var lasts = new long[_byHash.Count];
        var i = 0;
        foreach (var (_, chain) in _byHash)
        {
            lasts[i++] = chain.Last.UtcTicks;
        }

        Array.Sort(lasts);
        ForgetChainsLastActiveBefore(lasts[lasts.Length / 2] + 1);
    }

    /// <summary>Drops every conversation whose chain was last active before <paramref name="utcTicks"/>.</summary>
    private void ForgetChainsLastActiveBefore(long utcTicks)
    {
        // Removing while enumerating is allowed for Dictionary (it does not invalidate the enumerator).
        foreach (var (key, chain) in _byHash)
        {
            if (chain.Last.UtcTicks < utcTicks)
            {
                _byHash.Remove(key);
            }
        }
    }

    internal static string ChainId(string firstEventId) =>
        "auto-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(firstEventId)).AsSpan(0, 6));

    /// <summary>Groups time-ordered rows into workflows, in order of first appearance.</summary>
    public static List<(WorkflowKey Key, List<StepRow> Steps)> Group(IReadOnlyList<StepRow> rows, TimeSpan maxGap)
    {
        var inferrer = new SessionInferrer(maxGap);
        var index = new Dictionary<WorkflowKey, int>();
        var groups = new List<(WorkflowKey, List<StepRow>)>();
        foreach (var row in rows)
        {
            var key = inferrer.Assign(row);
            if (key.IsNone)
            {
                continue;
            }

            if (!index.TryGetValue(key, out var i))
            {
                i = groups.Count;
                index[key] = i;
                groups.Add((key, []));
            }

            groups[i].Item2.Add(row);
        }

        return groups;
    }

    private sealed class Chain(string id)
    {
        public string Id { get; } = id;
        public DateTimeOffset Last { get; set; } = DateTimeOffset.MinValue;
    }
}
