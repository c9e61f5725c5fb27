using System.Numerics;
using System.Runtime.CompilerServices;

namespace TokenOps.Core.Bus;

/// <summary>
/// Bounded multi-producer / single-consumer ring of preallocated slots, after Disruptor-net's
/// <c>RingBuffer</c> + <c>MultiProducerSequencer</c> (https://github.com/disruptor-net/Disruptor-net):
/// producers claim a sequence with a CAS on the padded <see cref="_cursor"/>, write the slot, then mark
/// it available by storing the sequence's round (<c>seq / size</c>) in <see cref="_available"/>.
/// The consumer takes every contiguous available slot after its own sequence.
/// </summary>
/// <remarks>
/// <para>Producers never wait: a claim that would overwrite a slot the consumer has not taken yet fails
/// (the caller counts a drop). The claim loop is lock-free, not wait-free: a CAS only fails because
/// another producer's claim succeeded, and once <c>size</c> such claims happen without the consumer
/// moving the ring is full and the claim returns false — the loop cannot spin without system progress.</para>
/// <para>The consumer nulls each slot as it takes it, BEFORE publishing its new sequence, so a delivered
/// event is never kept alive by the ring and a producer can never see its slot cleared after reuse.</para>
/// </remarks>
internal sealed class RingBuffer<T>
    where T : class
{
    private readonly T?[] _slots;
    private readonly int[] _available;
    private readonly int _mask;
    private readonly int _indexShift;

    // Highest sequence claimed by any producer (written by CAS only).
    private PaddedLong _cursor;
    // Producers' cached copy of _consumed, so a claim reads the consumer's line only when the ring looks full.
    private PaddedLong _gatingCache;
    // Highest sequence the consumer has taken out of the ring (written by the consumer only).
    private PaddedLong _consumed;

    public RingBuffer(int capacity)
    {
        if (capacity < 2 || !BitOperations.IsPow2(capacity))
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Ring capacity must be a power of two >= 2.");
        }

        _slots = new T?[capacity];
        _available = new int[capacity];
        Array.Fill(_available, -1);
        _mask = capacity - 1;
        _indexShift = BitOperations.Log2((uint)capacity);
        _cursor.Value = -1;
        _gatingCache.Value = -1;
        _consumed.Value = -1;
    }

    public int Capacity => _slots.Length;

    /// <summary>Number of sequences claimed so far (= items accepted).</summary>
    public long Claimed => Volatile.Read(ref _cursor.Value) + 1;

    /// <summary>Number of items the consumer has taken out.</summary>
    public long Consumed => Volatile.Read(ref _consumed.Value) + 1;

    /// <summary>Try to claim a slot and publish <paramref name="item"/> into it. Never blocks; false = full.</summary>
    public bool TryPublish(T item)
    {
        long current;
        long next;
        while (true)
        {
            // Acquire: see the latest claim before computing ours.
            current = Volatile.Read(ref _cursor.Value);
            next = current + 1;
            var wrapPoint = next - _slots.Length;
            if (wrapPoint > Volatile.Read(ref _gatingCache.Value))
            {
                // Acquire: pairs with the consumer's release in Drain, so the consumer's slot clears are
                // visible before we overwrite the slot.
                var consumed = Volatile.Read(ref _consumed.Value);
                if (wrapPoint > consumed)
                {
                    return false;
                }

                // A racy cache is fine: it only ever holds a value the consumer has passed (never too high).
                Volatile.Write(ref _gatingCache.Value, consumed);
            }

            // Full fence (CAS): exactly one producer owns `next`.
            if (Interlocked.CompareExchange(ref _cursor.Value, next, current) == current)
            {
                break;
            }
        }

        var index = (int)(next & _mask);
        _slots[index] = item;
        // Full fence (Interlocked.Exchange) doing two jobs:
        // 1. release: the slot store above is visible before the availability flag;
        // 2. store-load ordering: the flag is visible before the caller reads the consumer's "waiting"
        //    flag (see SinkChannel.WakeIfWaiting) — the Dekker pair of the consumer's sleep protocol.
        Interlocked.Exchange(ref _available[index], (int)(next >>> _indexShift));
        return true;
    }

    /// <summary>Consumer only: move up to <paramref name="max"/> contiguous published items into <paramref name="batch"/>.</summary>
    public int Drain(T[] batch, int max)
    {
        var first = _consumed.Value + 1; // only this thread writes _consumed
        var last = Math.Min(Volatile.Read(ref _cursor.Value), first + max - 1);
        var count = 0;
        for (var seq = first; seq <= last; seq++)
        {
            var index = (int)(seq & _mask);
            // Acquire: pairs with the producer's Exchange, so the slot's item is visible.
            if (Volatile.Read(ref _available[index]) != (int)(seq >>> _indexShift))
            {
                break; // claimed but not yet published: stop at the gap, keep order
            }

            batch[count++] = _slots[index]!;
            _slots[index] = null;
        }

        if (count > 0)
        {
            // Release: the slot clears above happen before producers may reuse those slots.
            Volatile.Write(ref _consumed.Value, first + count - 1);
        }

        return count;
    }

    /// <summary>
    /// Is the consumer's next sequence published (i.e. would Drain return at least one item)? Exact on the consumer
    /// thread and, from any thread, while the consumer is asleep (its position does not move); otherwise a snapshot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasPublishedNext()
    {
        var next = Volatile.Read(ref _consumed.Value) + 1;
        return Volatile.Read(ref _available[(int)(next & _mask)]) == (int)(next >>> _indexShift);
    }

    /// <summary>True when every claimed sequence has been consumed (nothing claimed-but-unpublished either).</summary>
    public bool IsEmpty => Volatile.Read(ref _consumed.Value) == Volatile.Read(ref _cursor.Value);
}
