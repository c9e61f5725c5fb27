using System.Buffers;

namespace TokenOps.Tokenizers.Bpe;

/// <summary>
/// tiktoken's byte-pair merge, counting the parts instead of emitting token ids: start from single bytes, repeatedly
/// merge the adjacent pair whose concatenation has the lowest rank (the leftmost such pair on a tie), stop when no
/// adjacent pair is a token. The count is the number of parts left.
/// </summary>
/// <remarks>
/// Two implementations of the same merge order. Short pieces (the vast majority: words, numbers, punctuation runs) use
/// tiktoken's own quadratic scan over two stack arrays. Longer ones — a 20k-character run of one letter, space or symbol
/// is a single piece — use a min-heap of (rank, start) over a linked list of parts, O(n log n): the scan would cost
/// ~n²/2 rank comparisons plus an n-element shift per merge. The heap pops the smallest (rank, start), i.e. the lowest
/// rank and, among equal ranks, the leftmost pair: exactly the scan's choice. Entries made stale by a merge are skipped
/// on pop (a part's pair only ever grows, so a rank that still matches is still the same pair).
/// </remarks>
internal static class BytePairCounter
{
    /// <summary>Pieces up to this many bytes use the quadratic scan on the stack.</summary>
    internal const int MaxQuadraticBytes = 128;

    public static int Count(ReadOnlySpan<byte> piece, RankTable ranks) =>
        piece.Length <= 1 ? piece.Length
        : piece.Length <= MaxQuadraticBytes ? CountQuadratic(piece, ranks)
        : CountHeap(piece, ranks);

    /// <summary>tiktoken's scan: <c>starts[i]</c> is where part i begins, <c>pairRanks[i]</c> the rank of parts i and i+1 joined.</summary>
    internal static int CountQuadratic(ReadOnlySpan<byte> piece, RankTable ranks)
    {
        var n = piece.Length;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxQuadraticBytes, nameof(piece));

        Span<int> starts = stackalloc int[MaxQuadraticBytes + 1];
        Span<int> pairRanks = stackalloc int[MaxQuadraticBytes + 1];
        for (var i = 0; i <= n; i++)
        {
            starts[i] = i;
        }

        for (var i = 0; i < n - 1; i++)
        {
            pairRanks[i] = RankOrMax(ranks, piece.Slice(i, 2));
        }

        var parts = n;
        while (parts > 1)
        {
            var min = int.MaxValue;
            var at = -1;
            for (var i = 0; i < parts - 1; i++)
            {
                if (pairRanks[i] < min)
                {
                    min = pairRanks[i];
                    at = i;
                }
            }

            if (at < 0)
            {
                break;
            }

            // Join parts at and at+1: drop boundary at+1 and the pair rank that started at part at+1.
            starts.Slice(at + 2, parts - at - 1).CopyTo(starts[(at + 1)..]);
            pairRanks.Slice(at + 2, parts - at - 2).CopyTo(pairRanks[(at + 1)..]);
            parts--;
            pairRanks[at] = at < parts - 1 ? RankOrMax(ranks, piece[starts[at]..starts[at + 2]]) : int.MaxValue;
            if (at > 0)
            {
                pairRanks[at - 1] = RankOrMax(ranks, piece[starts[at - 1]..starts[at + 1]]);
            }
        }

        return parts;
    }

    /// <summary>
    /// The same merges in O(n log n). Parts are a doubly linked list over their start bytes (<c>next[i]</c> is where the
    /// part starting at i ends, -1 once merged away); the heap holds <c>rank &lt;&lt; 32 | start</c>.
    /// </summary>
    internal static int CountHeap(ReadOnlySpan<byte> piece, RankTable ranks)
    {
        var n = piece.Length;
        if (n <= 1)
        {
            return n;
        }

        var nextArray = ArrayPool<int>.Shared.Rent(n);
        var prevArray = ArrayPool<int>.Shared.Rent(n);
        var pairArray = ArrayPool<int>.Shared.Rent(n);
        // n-1 initial pairs, at most 2 new ones per merge and at most n-1 merges.
        var heapArray = ArrayPool<long>.Shared.Rent(3 * n);
        try
        {
            var next = nextArray.AsSpan(0, n);
            var prev = prevArray.AsSpan(0, n);
            var pairRank = pairArray.AsSpan(0, n);
            var heap = new MinHeap(heapArray);
            for (var i = 0; i < n; i++)
            {
                next[i] = i + 1;
                prev[i] = i - 1;
                pairRank[i] = i < n - 1 ? ranks.Rank(piece.Slice(i, 2)) : -1;
                if (pairRank[i] >= 0)
                {
                    heap.Push(((long)pairRank[i] << 32) | (uint)i);
                }
            }

            var parts = n;
            while (heap.TryPop(out var entry))
            {
                var rank = (int)(entry >> 32);
                var i = (int)entry;
                if (next[i] < 0 || pairRank[i] != rank)
                {
                    continue; // merged away, or its pair has grown since this entry was pushed
                }

                var j = next[i];
                var k = next[j];
                next[i] = k;
                next[j] = -1;
                if (k < n)
                {
                    prev[k] = i;
                }

                parts--;
                pairRank[i] = k < n ? ranks.Rank(piece[i..next[k]]) : -1;
                if (pairRank[i] >= 0)
                {
                    heap.Push(((long)pairRank[i] << 32) | (uint)i);
                }

                var p = prev[i];
                if (p >= 0)
                {
                    pairRank[p] = ranks.Rank(piece[p..k]);
                    if (pairRank[p] >= 0)
                    {
                        heap.Push(((long)pairRank[p] << 32) | (uint)p);
                    }
                }
            }

            return parts;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(nextArray);
            ArrayPool<int>.Shared.Return(prevArray);
            ArrayPool<int>.Shared.Return(pairArray);
            ArrayPool<long>.Shared.Return(heapArray);
        }
    }

    private static int RankOrMax(RankTable ranks, ReadOnlySpan<byte> pair)
    {
        var rank = ranks.Rank(pair);
        return rank < 0 ? int.MaxValue : rank;
    }

    /// <summary>A binary min-heap of longs over a caller's array (sized for every push it will get).</summary>
    private ref struct MinHeap(long[] items)
    {
        private readonly Span<long> _items = items;
        private int _count;

        public void Push(long value)
        {
            var i = _count++;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (_items[parent] <= value)
                {
                    break;
                }

                _items[i] = _items[parent];
                i = parent;
            }

            _items[i] = value;
        }

        public bool TryPop(out long value)
        {
            if (_count == 0)
            {
                value = 0;
                return false;
            }

            value = _items[0];
            var last = _items[--_count];
            var i = 0;
            while (true)
            {
                var child = (2 * i) + 1;
                if (child >= _count)
                {
                    break;
                }

                if (child + 1 < _count && _items[child + 1] < _items[child])
                {
                    child++;
                }

                if (last <= _items[child])
                {
                    break;
                }

                _items[i] = _items[child];
                i = child;
            }

            _items[i] = last;
            return true;
        }
    }
}
