using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace TokenOps.Tokenizers.Bpe;

/// <summary>
/// The byte strings of a tiktoken vocabulary and their ranks, in three arrays and no per-token object: every token's
/// bytes in one blob (ordered by rank), the rank → start offsets into it, and an open-addressing hash table from bytes to
/// rank. o200k_base (199,998 tokens, 1.40 MB of token bytes) costs ~4.2 MB here, against ~40 MB of GC heap for the
/// three dictionaries (encoder, decoder, string vocabulary) Microsoft.ML.Tokenizers builds for it.
/// </summary>
/// <remarks>
/// <para>Slots: a power of two at least twice the token count (load ≤ 0.5), linear probing. A slot holds
/// <c>rank + 1</c> in its low <see cref="_rankBits"/> bits (0 = empty) and, above them, a tag taken from the high half of
/// the 64-bit hash; the tag rejects almost every colliding slot before the bytes are compared.</para>
/// <para>Immutable once built: lookups from any number of threads need no synchronisation.</para>
/// </remarks>
internal sealed partial class RankTable
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets;
    private readonly uint[] _slots;
    private readonly int _rankBits;
    private readonly uint _rankMask;

    /// <param name="bytes">The token bytes, token after token, in rank order.</param>
    /// <param name="offsets">Token <c>r</c> is <c>bytes[offsets[r]..offsets[r + 1]]</c>; an empty range is a rank with no token.</param>
    internal RankTable(byte[] bytes, int[] offsets)
    {
        _bytes = bytes;
        _offsets = offsets;
        Count = offsets.Length - 1;
        _rankBits = Math.Max(1, 32 - BitOperations.LeadingZeroCount((uint)Count)); // holds Count = the largest rank + 1
        _rankMask = _rankBits == 32 ? uint.MaxValue : (1u << _rankBits) - 1;
        _slots = new uint[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(Count * 2, 16))];
        for (var rank = 0; rank < Count; rank++)
        {
            if (_offsets[rank + 1] > _offsets[rank])
            {
                Insert(rank);
            }
        }
    }

    /// <summary>Number of ranks (the largest rank + 1).</summary>
    public int Count { get; }

    /// <summary>Bytes held by the table's arrays (what it keeps alive on the GC heap, object headers aside).</summary>
    public long RetainedBytes => _bytes.LongLength + (_offsets.LongLength * sizeof(int)) + (_slots.LongLength * sizeof(uint));

    /// <summary>The rank of <paramref name="token"/>, or -1 when it is not a token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Rank(ReadOnlySpan<byte> token)
    {
        var hash = Hash(token);
        var mask = _slots.Length - 1;
        var tag = Tag(hash);
        var slot = (int)hash & mask;
        while (true)
        {
            var entry = _slots[slot];
            if (entry == 0)
            {
                return -1;
            }

            if ((entry >> _rankBits) == tag)
            {
                var rank = (int)(entry & _rankMask) - 1;
                var start = _offsets[rank];
                if (_bytes.AsSpan(start, _offsets[rank + 1] - start).SequenceEqual(token))
                {
                    return rank;
                }
            }

            slot = (slot + 1) & mask;
        }
    }

    /// <summary>The bytes of the token of <paramref name="rank"/> (empty for a rank with no token).</summary>
    public ReadOnlySpan<byte> Token(int rank) => _bytes.AsSpan(_offsets[rank], _offsets[rank + 1] - _offsets[rank]);

    private void Insert(int rank)
    {
        var token = Token(rank);
        var hash = Hash(token);
        var mask = _slots.Length - 1;
        var tag = Tag(hash);
        var slot = (int)hash & mask;
        while (_slots[slot] != 0)
        {
            var existing = (int)(_slots[slot] & _rankMask) - 1;
            if (Token(existing).SequenceEqual(token))
            {
                break; // a duplicate line: the later rank wins, as in Microsoft.ML.Tokenizers' loader
            }

            slot = (slot + 1) & mask;
        }

        _slots[slot] = (tag << _rankBits) | (uint)(rank + 1);
    }

    private uint Tag(ulong hash) => _rankBits == 32 ? 0 : (uint)(hash >> 32) >> _rankBits;

    /// <summary>
    /// A 64-bit multiply-xorshift hash of short byte strings (tiktoken tokens are 1–128 bytes, most under 10): whole
    /// 8-byte words, then the tail as one overlapping or assembled word, then a murmur3 finaliser so both the low bits
    /// (slot) and the high half (tag) depend on every byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Hash(ReadOnlySpan<byte> data)
    {
        const ulong M = 0x9E3779B97F4A7C15;
        var h = (ulong)data.Length * M;
        var length = data.Length;
        if (length >= 8)
        {
            var i = 0;
            for (; i <= length - 8; i += 8)
            {
                h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(data[i..])) * M;
                h ^= h >> 29;
            }

            if (i < length)
            {
                // The last 8 bytes again, overlapping: cheaper than assembling a partial word.
                h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(data[(length - 8)..])) * M;
                h ^= h >> 29;
            }
        }
        else
        {
            ulong word;
            if (length >= 4)
            {
                word = BinaryPrimitives.ReadUInt32LittleEndian(data) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(data[(length - 4)..]) << 32);
            }
            else if (length > 0)
            {
                word = data[0] | ((ulong)data[length >> 1] << 8) | ((ulong)data[length - 1] << 16);
            }
            else
            {
                word = 0;
            }

            h = (h ^ word) * M;
        }

        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCD;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53;
        h ^= h >> 33;
        return h;
    }
}
