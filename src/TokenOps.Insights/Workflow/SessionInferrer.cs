using System.Buffers.Binary;
using System.Runtime.InteropServices;
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
    // All state is in arrays of plain values: the daemon's tracker keeps up to maxTrackedHashes conversations for up to
    // the max gap (30 minutes), so anything allocated per conversation here would outlive many young GCs and be copied
    // into the old generation (measured: ~40% of what the daemon's young GCs promoted under load, see bench/README.md).
    // A conversation is a 16-byte key (the hex hash's own bytes), a chain a slot of longs; nothing per step survives.
    private readonly Dictionary<ConversationKey, int> _byHash = [];
    private readonly Dictionary<(string Provider, string Credential), int> _scopes = [];
    private ChainSlot[] _chains = new ChainSlot[16];
    private int _chainHighWater;
    private int _freeChain = -1;
    private long[]? _sortBuffer;
    private (long Bits, string? Id)[]? _ids;
    private long _lastPruneTicks; // 0 = DateTimeOffset.MinValue: the first step prunes (nothing to prune yet)

    /// <summary>The step's workflow, or <c>default</c> (<see cref="WorkflowKey.IsNone"/>) when it belongs to none (e.g. embeddings).</summary>
    public WorkflowKey Assign(StepRow row)
    {
        var step = AssignStep(row);
        if (step.Explicit is { IsNone: false } key)
        {
            return key;
        }

        if (step.Chain < 0)
        {
            return default;
        }

        // Reports group by key: one id string per chain, not per step (a slot reused by a later chain gets a new one).
        _ids ??= new (long, string?)[_chains.Length];
        if (_ids.Length < _chains.Length)
        {
            Array.Resize(ref _ids, _chains.Length);
        }

        ref var cached = ref _ids[step.Chain];
        if (cached.Id is null || cached.Bits != step.ChainBits)
        {
            cached = (step.ChainBits, ChainId(step.ChainBits));
        }

        return new WorkflowKey(cached.Id, WorkflowKinds.Inferred);
    }

    /// <summary>
    /// <see cref="Assign"/> without building the inferred chain's id string: the daemon's tracker asks this once per
    /// request and names a chain (<see cref="ChainId(long)"/>) only when it turns out to be a workflow.
    /// </summary>
    public StepAssignment AssignStep(StepRow row)
    {
        if (!string.IsNullOrEmpty(row.WorkflowId))
        {
            return new StepAssignment(new WorkflowKey(row.WorkflowId, WorkflowKinds.Workflow), -1, 0);
        }

        if (!string.IsNullOrEmpty(row.SessionId))
        {
            return new StepAssignment(new WorkflowKey(row.SessionId, WorkflowKinds.Session), -1, 0);
        }

        if (row.MessagesHash.IsNone)
        {
            return new StepAssignment(default, -1, 0); // keep in step with MayBelongToWorkflow
        }

        var scope = Scope(row.Provider, row.CredentialHash ?? "");
        var ticks = row.Timestamp.UtcTicks;
        var chain = -1;
        if (!row.ParentMessagesHash.IsNone && _byHash.TryGetValue(ConversationKey.Of(scope, row.ParentMessagesHash), out var p)
            && ticks - _chains[p].LastTicks <= maxGap.Ticks)
        {
            chain = p;
        }

        var self = ConversationKey.Of(scope, row.MessagesHash);
        if (chain < 0 && _byHash.TryGetValue(self, out var same) && ticks - _chains[same].LastTicks <= maxGap.Ticks)
        {
            chain = same;
        }

        if (chain < 0)
        {
            chain = NewChain(ChainBits(row.Id));
        }

        ref var slot = ref _chains[chain];
        if (ticks > slot.LastTicks)
        {
            slot.LastTicks = ticks;
        }

        var bits = slot.IdBits;
        ref var mapped = ref CollectionsMarshal.GetValueRefOrAddDefault(_byHash, self, out var existed);
        if (!existed || mapped != chain)
        {
            var previous = existed ? mapped : -1;
            mapped = chain;
            slot.Refs++;
            if (previous >= 0)
            {
                Release(previous);
            }
        }

        if (ticks - _lastPruneTicks > maxGap.Ticks)
        {
            Prune(row.Timestamp);
        }

        if (_byHash.Count > maxTrackedHashes)
        {
            ForgetOlderHalf();
        }

        return new StepAssignment(default, chain, bits);
    }

    /// <summary>
    /// False when <see cref="AssignStep"/> puts <paramref name="row"/> in no workflow, which it then does without touching
    /// its state: such a row can be left out of the rows it sees without changing any other row's workflow.
    /// </summary>
    internal static bool MayBelongToWorkflow(StepRow row) =>
        !string.IsNullOrEmpty(row.WorkflowId) || !string.IsNullOrEmpty(row.SessionId) || !row.MessagesHash.IsNone;

    /// <summary>Forgets chains idle longer than the max gap (bounds memory in the daemon).</summary>
    public void Prune(DateTimeOffset now)
    {
        _lastPruneTicks = now.UtcTicks;
        ForgetChainsLastActiveBefore(now.UtcTicks - maxGap.Ticks);
    }

    internal int TrackedHashes => _byHash.Count;

    /// <summary>Keeps the most recently active half (ties at the median go too): amortised O(log n) per step.</summary>
    private void ForgetOlderHalf()
    {
        var count = _byHash.Count;
        if (_sortBuffer is null || _sortBuffer.Length < count)
        {
            _sortBuffer = new long[Math.Max(count, 2 * (_sortBuffer?.Length ?? 0))];
        }

        var lasts = _sortBuffer.AsSpan(0, count);
        var i = 0;
        foreach (var (_, chain) in _byHash)
        {
            lasts[i++] = _chains[chain].LastTicks;
        }

        lasts.Sort();
        ForgetChainsLastActiveBefore(lasts[count / 2] + 1);
    }

    /// <summary>Drops every conversation whose chain was last active before <paramref name="utcTicks"/>.</summary>
    private void ForgetChainsLastActiveBefore(long utcTicks)
    {
        // Removing while enumerating is allowed for Dictionary (it does not invalidate the enumerator).
        foreach (var (key, chain) in _byHash)
        {
            if (_chains[chain].LastTicks < utcTicks)
            {
                _byHash.Remove(key);
                Release(chain);
            }
        }
    }

    private int NewChain(long idBits)
    {
        int index;
        if (_freeChain >= 0)
        {
            index = _freeChain;
            _freeChain = _chains[index].NextFree;
        }
        else
        {
            if (_chainHighWater == _chains.Length)
            {
                Array.Resize(ref _chains, _chains.Length * 2);
            }

            index = _chainHighWater++;
        }

        _chains[index] = new ChainSlot { IdBits = idBits, LastTicks = long.MinValue, NextFree = -1 };
        return index;
    }

    private void Release(int chain)
    {
        ref var slot = ref _chains[chain];
        if (--slot.Refs == 0)
        {
            slot.NextFree = _freeChain;
            _freeChain = chain;
        }
    }

    /// <summary>A small number per (provider, credential): both are a handful of shared strings, so this map stays tiny.</summary>
    private int Scope(string provider, string credential)
    {
        ref var scope = ref CollectionsMarshal.GetValueRefOrAddDefault(_scopes, (provider, credential), out var existed);
        if (!existed)
        {
            scope = _scopes.Count;
        }

        return scope;
    }

    /// <summary>The 48 bits of SHA-256(first event id) that name an inferred chain (its first 6 bytes, big-endian).</summary>
    internal static long ChainBits(string firstEventId)
    {
        var max = Encoding.UTF8.GetMaxByteCount(firstEventId.Length);
        Span<byte> utf8 = max <= 256 ? stackalloc byte[max] : new byte[max];
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(firstEventId, utf8)], digest);
        return (long)(BinaryPrimitives.ReadUInt64BigEndian(digest) >> 16);
    }

    /// <summary>The id of an inferred chain: <c>auto-</c> + 12 hex digits (see <see cref="ChainBits"/>).</summary>
    internal static string ChainId(long chainBits)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (ulong)chainBits << 16);
        return "auto-" + Convert.ToHexStringLower(bytes[..6]);
    }

    internal static string ChainId(string firstEventId) => ChainId(ChainBits(firstEventId));

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

    private struct ChainSlot
    {
        public long IdBits;
        public long LastTicks;
        public int Refs;
        public int NextFree;
    }

    /// <summary>
    /// A conversation: its (provider, credential) scope and its messages hash. A hash in the proxy's format (lower-case
    /// hex, at most 32 digits) is its own bytes, so equal keys mean equal hashes; any other string (older or foreign
    /// rows) is reduced to the first 16 bytes of its SHA-256, flagged so the two forms never meet.
    /// </summary>
    private readonly record struct ConversationKey(int Scope, ulong High, ulong Low)
    {
        public static ConversationKey Of(int scope, Fingerprint fingerprint)
        {
            Span<byte> packed = stackalloc byte[Fingerprint.MaxPackedDigits / 2];
            var hex = fingerprint.Bytes(packed);
            if (hex.Length is > 0 and <= 16)
            {
                Span<byte> bytes = stackalloc byte[16];
                bytes.Clear();
                hex.CopyTo(bytes[(16 - hex.Length)..]);
                return new ConversationKey(scope | (2 * hex.Length << 24), BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
            }

            var hash = fingerprint.ToText()!;
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(MemoryMarshal.AsBytes(hash.AsSpan()), digest);
            return new ConversationKey(scope | int.MinValue, BinaryPrimitives.ReadUInt64BigEndian(digest), BinaryPrimitives.ReadUInt64BigEndian(digest[8..]));
        }
    }
}

/// <summary>
/// Where <see cref="SessionInferrer.AssignStep"/> put a step: an explicit workflow/session key, or an inferred chain
/// (<see cref="Chain"/> ≥ 0, named by <see cref="ChainBits"/>), or neither.
/// </summary>
internal readonly record struct StepAssignment(WorkflowKey Explicit, int Chain, long ChainBits)
{
    public bool IsNone => Explicit.IsNone && Chain < 0;

    public bool IsInferred => Explicit.IsNone && Chain >= 0;
}
