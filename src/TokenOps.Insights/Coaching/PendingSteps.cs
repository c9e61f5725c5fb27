using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Coaching;

/// <summary>
/// The first step of each inferred conversation that has not become a workflow yet (a lone request is not one), packed
/// (<see cref="CompactStep"/>) in a ring of <c>capacity</c> preallocated slots. When the ring is full the oldest step
/// goes, as the least recently observed lone workflow did when each was an object. Under a stream of one-off requests —
/// the common case — this is all the tracker holds per request: no object outlives the request, so young GCs have
/// nothing of it to copy.
/// </summary>
internal sealed class PendingSteps(int capacity)
{
    private readonly CompactStep[] _steps = new CompactStep[Math.Max(1, capacity)];
    private readonly long[] _chains = new long[Math.Max(1, capacity)];
    private readonly bool[] _used = new bool[Math.Max(1, capacity)];
    private readonly Dictionary<long, int> _slots = new(Math.Max(1, capacity));
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

    private void Free(int slot)
    {
        _steps[slot] = default; // drop its references
        _used[slot] = false;
    }
}
