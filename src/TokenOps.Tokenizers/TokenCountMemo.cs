namespace TokenOps.Tokenizers;

/// <summary>
/// Remembers the raw token count of recently counted texts, per encoding. Agents resend the same system prompt and
/// the whole conversation history every turn, and the observer and the passive optimizer count the same messages of
/// one request again; tiktoken costs microseconds per text where a lookup costs one hash and one compare.
/// </summary>
/// <remarks>
/// <para>Exact: a hit compares the whole text with the remembered copy, so it returns exactly what counting would (the
/// count of a text is a pure function of (encoding, text)).</para>
/// <para>No object per entry: the texts are copied into one ring of <see cref="MaxTotalChars"/> characters and the
/// entries are structs in a direct-mapped table of <see cref="MaxEntries"/> slots. A memo entry lives for seconds and
/// every request adds new ones (each new user message), so a string and a map node per entry were long-lived young
/// objects that every gen0 collection had to copy — a large share of what the full daemon's GC pauses copied.
/// A new text overwrites the slot its hash maps to, and a text overwritten in the ring is forgotten.</para>
/// <para>Short texts are not memoised: counting a few words costs about as much as the lookup.</para>
/// </remarks>
internal static class TokenCountMemo
{
    internal const int MinChars = 32;
    internal const int MaxChars = 64 * 1024;
    internal const int MaxEntries = 8192;
    internal const int MaxTotalChars = 1024 * 1024; // 2 MB per encoding in use: ~250k tokens of recent text

    private static readonly Table O200k = new();
    private static readonly Table Cl100k = new();

    public static int Count(TokenizerKind kind, ReadOnlySpan<char> text)
    {
        if (text.Length < MinChars || text.Length > MaxChars)
        {
            return TokenizerRegistry.Encoding(kind).CountTokens(text);
        }

        var table = kind == TokenizerKind.Cl100kBase ? Cl100k : O200k;
        var hash = string.GetHashCode(text);
        if (table.TryGet(hash, text, out var cached))
        {
            return cached;
        }

        var count = TokenizerRegistry.Encoding(kind).CountTokens(text);
        table.Add(hash, text, count);
        return count;
    }

    private sealed class Table
    {
        private readonly Lock _lock = new();
        private readonly Entry[] _entries = new Entry[MaxEntries];
        // Allocated on first use (the forwarding-only daemon never counts): one array with no references, which the GC
        // never traces.
        private char[]? _ring;
        // Characters ever written to the ring; an entry is live while its text lies within the last MaxTotalChars of them.
        private long _written;

        public bool TryGet(int hash, ReadOnlySpan<char> text, out int count)
        {
            lock (_lock)
            {
                ref var entry = ref _entries[hash & (MaxEntries - 1)];
                if (entry.Hash == hash && entry.Length == text.Length && _ring is { } ring && entry.Position >= _written - MaxTotalChars
                    && ring.AsSpan((int)(entry.Position % MaxTotalChars), entry.Length).SequenceEqual(text))
                {
                    count = entry.Count;
                    return true;
                }
            }

            count = 0;
            return false;
        }

        public void Add(int hash, ReadOnlySpan<char> text, int count)
        {
            lock (_lock)
            {
                var ring = _ring ??= new char[MaxTotalChars];
                var at = (int)(_written % MaxTotalChars);
                if (at + text.Length > MaxTotalChars)
                {
                    // A text is kept contiguous: skip the ring's tail (the skipped characters count as written).
                    _written += MaxTotalChars - at;
                    at = 0;
                }

                text.CopyTo(ring.AsSpan(at));
                _entries[hash & (MaxEntries - 1)] = new Entry { Hash = hash, Length = text.Length, Count = count, Position = _written };
                _written += text.Length;
            }
        }
    }

    private struct Entry
    {
        public long Position;
        public int Hash;
        public int Length;
        public int Count;
    }
}
