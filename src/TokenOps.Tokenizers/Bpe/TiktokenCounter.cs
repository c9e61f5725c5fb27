using System.Buffers;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace TokenOps.Tokenizers.Bpe;

/// <summary>The tiktoken encodings we count with.</summary>
internal enum TiktokenEncoding
{
    O200kBase,
    Cl100kBase,
}

/// <summary>
/// Counts tiktoken tokens exactly as <c>Microsoft.ML.Tokenizers</c>' <c>TiktokenTokenizer.CountTokens</c> does, from a
/// <see cref="RankTable"/> of ~4 MB (o200k) instead of its ~40 MB of dictionaries. It only counts: no ids, no offsets,
/// no decoding, which is all the daemon ever needs.
/// </summary>
/// <remarks>
/// <para>Per text: split out the encoding's special tokens (each counts 1), cut the text between them into pieces
/// with the encoding's regex, and count each piece: 1 if its UTF-8 bytes are a token, else the byte-pair merge
/// (<see cref="BytePairCounter"/>).</para>
/// <para>Matches Microsoft's choices where they differ from a textbook tiktoken:</para>
/// <list type="bullet">
/// <item>Pieces are encoded the way its <c>Helpers.EncodeToUtf8</c> does: a lone surrogate becomes the three-byte form
/// of its own code unit (ED A0..BF xx), not U+FFFD's EF BF BD.</item>
/// <item>Its whole-piece shortcut looks the piece's <em>string</em> up among the tokens that decode to valid UTF-8
/// without U+FFFD, so a piece with a lone surrogate or a U+FFFD always goes through the merge. We do the same,
/// although it cannot change a count with these vocabularies: every token's bytes merge back to that one token
/// (BytePairCounterTests walks all of them).</item>
/// <item>The regexes are its .NET renderings of tiktoken's patterns (possessive quantifiers as atomic groups); .NET's
/// <c>\p{L}</c> does not see letters outside the BMP (it tests UTF-16 units), so e.g. 𝐀 is split like punctuation by
/// both of us, where Python's tiktoken sees a letter.</item>
/// <item>Special-token text (<c>&lt;|endoftext|&gt;</c>…) counts as one token. Microsoft gets that 1 from entries
/// preloaded into its 8192-entry LRU piece cache, so a long-lived <c>TiktokenTokenizer</c> that has since cached 8192
/// other short pieces counts <c>&lt;|endoftext|&gt;</c> as 7 tokens of text; we always count 1, what a fresh instance
/// says.</item>
/// </list>
/// <para>Thread-safe and allocation-free per call: pieces are encoded into a stack buffer (a pooled one past
/// <see cref="StackChars"/> characters) and merged on the stack or in pooled arrays.</para>
/// </remarks>
internal sealed partial class TiktokenCounter
{
    /// <summary>Pieces up to this many UTF-16 chars are encoded into a stack buffer (at most 3 UTF-8 bytes a char).</summary>
    private const int StackChars = 128;

    // The marker types of the data packages are internal; a constant assembly-qualified name is what the trimmer and
    // ILC resolve at build time (no reflection warning). These are the exact names Microsoft.ML.Tokenizers 2.0 binds
    // them by, which is what already worked in our AOT binary.
    private const string O200kDataType = "Microsoft.ML.Tokenizers.O200kBaseTokenizerData, Microsoft.ML.Tokenizers.Data.O200kBase, Version=1.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51";
    private const string Cl100kDataType = "Microsoft.ML.Tokenizers.Cl100kBaseTokenizerData, Microsoft.ML.Tokenizers.Data.Cl100kBase, Version=1.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51";

    private readonly RankTable _ranks;
    private readonly Regex _pieces;
    private readonly string[] _specialTokens;

    private TiktokenCounter(TiktokenEncoding encoding, RankTable ranks, Regex pieces, string[] specialTokens)
    {
        Encoding = encoding;
        _ranks = ranks;
        _pieces = pieces;
        _specialTokens = specialTokens;
    }

    public TiktokenEncoding Encoding { get; }

    /// <summary>The vocabulary's share of the GC heap (see <see cref="RankTable.RetainedBytes"/>).</summary>
    public long RetainedBytes => _ranks.RetainedBytes;

    /// <summary>The vocabulary (tests walk it).</summary>
    internal RankTable Ranks => _ranks;

    /// <summary>Reads the encoding's vocabulary from its Microsoft.ML.Tokenizers.Data package (embedded, deflated).</summary>
    public static TiktokenCounter Load(TiktokenEncoding encoding)
    {
        var (type, resource) = encoding switch
        {
            TiktokenEncoding.O200kBase => (Type.GetType(O200kDataType), "o200k_base.tiktoken.deflate"),
            TiktokenEncoding.Cl100kBase => (Type.GetType(Cl100kDataType), "cl100k_base.tiktoken.deflate"),
            _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
        };

        var compressed = type?.Assembly.GetManifestResourceStream(resource) ??
            throw new InvalidOperationException($"The tiktoken vocabulary {resource} is missing: reference its Microsoft.ML.Tokenizers.Data package.");
        using (compressed)
        using (var text = new DeflateStream(compressed, CompressionMode.Decompress))
        {
            return Create(encoding, RankTable.Load(text));
        }
    }

    /// <summary>A counter over an already loaded vocabulary (tests build small ones).</summary>
    internal static TiktokenCounter Create(TiktokenEncoding encoding, RankTable ranks) => encoding switch
    {
        // Special tokens as tiktoken's openai_public.py and Microsoft.ML.Tokenizers 2.0 define them per encoding.
        TiktokenEncoding.O200kBase => new(encoding, ranks, O200kPieces(), ["<|endoftext|>", "<|endofprompt|>"]),
        _ => new(encoding, ranks, Cl100kPieces(),
            ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>"]),
    };

    /// <summary>The number of tokens <paramref name="text"/> encodes to.</summary>
    public int CountTokens(ReadOnlySpan<char> text)
    {
        var count = 0;
        var position = 0;
        while (position < text.Length)
        {
            var special = FindSpecialToken(text, position, out var specialLength);
            var end = special < 0 ? text.Length : special;
            if (end > position)
            {
                count += CountOrdinary(text[position..end]);
            }

            if (special < 0)
            {
                break;
            }

            count++;
            position = special + specialLength;
        }

        return count;
    }

    /// <summary>The first special token at or after <paramref name="from"/> (leftmost; none is a prefix of another), or -1.</summary>
    private int FindSpecialToken(ReadOnlySpan<char> text, int from, out int length)
    {
        var offset = from;
        while (true)
        {
            var at = text[offset..].IndexOf("<|");
            if (at < 0)
            {
                length = 0;
                return -1;
            }

            at += offset;
            foreach (var special in _specialTokens)
            {
                if (text[at..].StartsWith(special))
                {
                    length = special.Length;
                    return at;
                }
            }

            offset = at + 1;
        }
    }

    /// <summary>
    /// Counts a stretch without special tokens. The regex runs over exactly this stretch, as Microsoft's pre-tokenizer
    /// does between two special tokens: <c>$</c> and <c>(?!\S)</c> see its end, not the text's.
    /// </summary>
    private int CountOrdinary(ReadOnlySpan<char> segment)
    {
        Span<byte> stackBytes = stackalloc byte[StackChars * 3];
        var count = 0;
        foreach (var match in _pieces.EnumerateMatches(segment))
        {
            var piece = segment.Slice(match.Index, match.Length);
            if (piece.Length == 1 && piece[0] < 0x80)
            {
                count++; // every single byte is a token
                continue;
            }

            if (piece.Length <= StackChars)
            {
                count += CountPiece(piece, stackBytes);
            }
            else
            {
                count += CountLongPiece(piece);
            }
        }

        return count;
    }

    private int CountLongPiece(ReadOnlySpan<char> piece)
    {
        var rented = ArrayPool<byte>.Shared.Rent(piece.Length * 3);
        try
        {
            return CountPiece(piece, rented);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private int CountPiece(ReadOnlySpan<char> piece, Span<byte> buffer)
    {
        var length = EncodeUtf8(piece, buffer, out var mayBeVocabularyString);
        var utf8 = buffer[..length];
        if (mayBeVocabularyString && _ranks.Rank(utf8) >= 0)
        {
            return 1;
        }

        return BytePairCounter.Count(utf8, _ranks);
    }

    /// <summary>
    /// UTF-8 as Microsoft.ML.Tokenizers' <c>Helpers.EncodeToUtf8</c> writes it: a surrogate pair as 4 bytes, any other
    /// UTF-16 unit — a lone surrogate included — as its own 1–3 byte form. <paramref name="mayBeVocabularyString"/> is
    /// false when the piece has a lone surrogate or a U+FFFD: no string of Microsoft's vocabulary lookup can equal it.
    /// </summary>
    internal static int EncodeUtf8(ReadOnlySpan<char> chars, Span<byte> destination, out bool mayBeVocabularyString)
    {
        mayBeVocabularyString = true;
        var n = 0;
        for (var i = 0; i < chars.Length; i++)
        {
            uint c = chars[i];
            if (c < 0x80)
            {
                destination[n++] = (byte)c;
            }
            else if (c < 0x800)
            {
                destination[n] = (byte)(0xC0 | (c >> 6));
                destination[n + 1] = (byte)(0x80 | (c & 0x3F));
                n += 2;
            }
            else if (char.IsHighSurrogate((char)c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                var scalar = (uint)char.ConvertToUtf32((char)c, chars[i + 1]);
                destination[n] = (byte)(0xF0 | (scalar >> 18));
                destination[n + 1] = (byte)(0x80 | ((scalar >> 12) & 0x3F));
                destination[n + 2] = (byte)(0x80 | ((scalar >> 6) & 0x3F));
                destination[n + 3] = (byte)(0x80 | (scalar & 0x3F));
                n += 4;
                i++;
            }
            else
            {
                if (char.IsSurrogate((char)c) || c == 0xFFFD)
                {
                    mayBeVocabularyString = false;
                }

                destination[n] = (byte)(0xE0 | (c >> 12));
                destination[n + 1] = (byte)(0x80 | ((c >> 6) & 0x3F));
                destination[n + 2] = (byte)(0x80 | (c & 0x3F));
                n += 3;
            }
        }

        return n;
    }

    // tiktoken's patterns (tiktoken_ext/openai_public.py) in .NET syntax: possessive quantifiers become atomic groups.
    // Microsoft.ML.Tokenizers 2.0 uses the same .NET patterns, which is what makes the counts identical.
    private const string O200kPattern =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Cl100kPattern =
        @"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)|(?>\p{N}{1,3})| ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)" +
        @"|(?>\s+)$|\s*[\r\n]|\s+(?!\S)|\s";

    [GeneratedRegex(O200kPattern)]
    private static partial Regex O200kPieces();

    [GeneratedRegex(Cl100kPattern)]
    private static partial Regex Cl100kPieces();
}
