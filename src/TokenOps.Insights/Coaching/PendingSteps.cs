using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Coaching;

/// <summary>
/// The first step of each inferred conversation that has not become a workflow yet (a lone request is not one), packed
/// (<see cref="CompactStep"/>) in a ring of at most <c>capacity</c> slots (grown by doubling as it fills, then reused).
/// When the ring is full the oldest step goes, as the least recently observed lone workflow did when each was an
/// object. Under a stream of one-off requests — the common case — this is all the tracker holds per request: no object
/// outlives the request, so young GCs have nothing of it to copy.
/// </summary>
internal sealed class PendingSteps(int capacity)
{
    // Grown on demand (doubling, up to capacity): a large coaching.max_workflows costs memory only when used.
    private readonly int _capacity = Math.Max(1, capacity);
    private CompactStep[] _steps = new CompactStep[InitialSlots(capacity)];
    private long[] _chains = new long[InitialSlots(capacity)];
    private bool[] _used = new bool[InitialSlots(capacity)];
    private readonly Dictionary<long, int> _slots = [];
    private int _next;

    public int Count => _slots.Count;

    /// <summary>Holds <paramref name="row"/> as the pending first step of <paramref name="chain"/> (replacing one it had).</summary>
    public void Add(long chain, StepRow row)
    {
        if (_slots.TryGetValue(chain, out var existing))
        {
            _steps[existing] = CompactStep.From(row);
            return;
        }

        if (_used[_next] && _steps.Length < _capacity)
        {
            Grow();
        }

        var slot = _next;
        _next = (_next + 1) % _steps.Length;
        if (_used[slot])
        {
            _slots.Remove(_chains[slot]);
        }

        _steps[slot] = CompactStep.From(row);
        _chains[slot] = chain;
        _used[slot] = true;
        _slots[chain] = slot;
    }

    /// <summary>Removes and returns the pending step of <paramref name="chain"/>, if it still has one.</summary>
    public bool TryTake(long chain, out StepRow? row)
    {
        if (!_slots.Remove(chain, out var slot))
        {
            row = null;
            return false;
        }

        row = _steps[slot].ToStepRow();
        Free(slot);
        return true;
    }

    /// <summary>Drops every pending step that finished at least <paramref name="idle"/> before <paramref name="now"/>; returns how many.</summary>
    public int RemoveIdle(DateTimeOffset now, TimeSpan idle)
    {
        var removed = 0;
        for (var slot = 0; slot < _steps.Length; slot++)
        {
            if (_used[slot] && now - _steps[slot].Done >= idle)
            {
                _slots.Remove(_chains[slot]);
                Free(slot);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Doubles the ring (up to the capacity), oldest first, so eviction order is kept.</summary>
    private void Grow()
    {
        var length = Math.Min(_capacity, _steps.Length * 2);
        var steps = new CompactStep[length];
        var chains = new long[length];
        var used = new bool[length];
        var count = 0;
        for (var i = 0; i < _steps.Length; i++)
        {
            var from = (_next + i) % _steps.Length; // _next is the oldest slot
            if (!_used[from])
            {
                continue;
            }

            steps[count] = _steps[from];
            chains[count] = _chains[from];
            used[count] = true;
            _slots[_chains[from]] = count;
            count++;
        }

        _steps = steps;
        _chains = chains;
        _used = used;
        _next = count;
    }

    private static int InitialSlots(int capacity) => Math.Clamp(capacity, 1, 64);

    private void Free(int slot)
    {
        _steps[slot] = default; // drop its references
        _used[slot] = false;
    }
}
