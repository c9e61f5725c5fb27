using System.Collections.Concurrent;

namespace TokenOps.Tokenizers;

/// <summary>
/// Remembers the raw token count of recently counted texts, per encoding. Agents resend the same system prompt and
/// the whole conversation history every turn, and the observer and the passive optimizer count the same messages of
/// one request again; tiktoken costs microseconds per text where a lookup costs one ordinal hash + compare.
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="MaxEntries"/> texts and <see cref="MaxTotalChars"/> characters are retained (≈ 4 MB);
/// reaching either bound clears the encoding's table (cheap, and a working set that large would thrash an LRU anyway).
/// Short texts are not memoised: counting a few words costs about as much as the lookup.
/// The count of a text is a pure function of (encoding, text), so a hit returns exactly what counting would.
/// </remarks>
internal static class TokenCountMemo
{
    internal const int MinChars = 32;
    internal const int MaxChars = 64 * 1024;
    internal const int MaxEntries = 4096;
    internal const long MaxTotalChars = 2 * 1024 * 1024;

    private static readonly Table O200k = new();
    private static readonly Table Cl100k = new();

    public static int Count(TokenizerKind kind, ReadOnlySpan<char> text)
    {
        if (text.Length < MinChars || text.Length > MaxChars)
        {
            return TokenizerRegistry.Encoding(kind).CountTokens(text);
        }

        var table = kind == TokenizerKind.Cl100kBase ? Cl100k : O200k;
        if (table.Lookup.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var count = TokenizerRegistry.Encoding(kind).CountTokens(text);
        table.Add(text, count);
        return count;
    }

    private sealed class Table
    {
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
        private int _entries;
        private long _chars;

        public Table() => Lookup = _counts.GetAlternateLookup<ReadOnlySpan<char>>();

        public ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }

        public void Add(ReadOnlySpan<char> text, int count)
        {
            // Own counters: ConcurrentDictionary.Count takes every bucket lock.
            if (Interlocked.Increment(ref _entries) > MaxEntries || Interlocked.Add(ref _chars, text.Length) > MaxTotalChars)
            {
                // Racing adders may each clear; the bounds still hold (approximately), and the only cost is a few recounts.
                _counts.Clear();
                Interlocked.Exchange(ref _entries, 1);
                Interlocked.Exchange(ref _chars, text.Length);
            }

            Lookup.TryAdd(text, count);
        }
    }
}
