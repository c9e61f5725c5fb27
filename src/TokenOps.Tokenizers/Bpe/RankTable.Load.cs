using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace TokenOps.Tokenizers.Bpe;

internal sealed partial class RankTable
{
    private const int ReadBufferSize = 64 * 1024;

    /// <summary>
    /// Reads a <c>.tiktoken</c> vocabulary as the Microsoft.ML.Tokenizers data packages ship it (after inflating): an
    /// optional <c>Capacity: N</c> first line, then one token a line, either <c>base64</c> alone (the rank is the line
    /// number, counted from the first token line) or <c>base64 rank</c> (tiktoken's own files; ranks must ascend).
    /// Lines end in LF or CRLF.
    /// </summary>
    /// <remarks>
    /// Streams through one pooled 64 KB buffer and decodes the base64 straight into the token blob, so the only garbage
    /// is the blob's growth and its final trim (about the blob's size again), never a string or array per token.
    /// </remarks>
    public static RankTable Load(Stream tiktoken)
    {
        var reader = new LineReader(tiktoken);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            var builder = new Builder();
            var first = true;
            var explicitRanks = false;
            var sawToken = false;
            var lineNumber = 0;
            while (reader.TryReadLine(buffer, out var line))
            {
                if (first)
                {
                    first = false;
                    if (line.StartsWith("Capacity: "u8))
                    {
                        var digits = line["Capacity: "u8.Length..];
                        if (!Utf8Parser.TryParse(digits, out int capacity, out var used) || used != digits.Length || capacity < 0)
                        {
                            ThrowFormat("bad Capacity line");
                        }

                        builder.Reserve(capacity);
                        continue;
                    }
                }

                if (!sawToken)
                {
                    if (line.IsEmpty)
                    {
                        continue; // blank lines before the first token do not count as ranks
                    }

                    sawToken = true;
                    explicitRanks = line.IndexOf((byte)' ') >= 0;
                }

                if (explicitRanks)
                {
                    if (line.IsEmpty)
                    {
                        continue;
                    }

                    var space = line.IndexOf((byte)' ');
                    var rank = -1;
                    if (space > 0 && Utf8Parser.TryParse(line[(space + 1)..], out int parsed, out var used) && used == line.Length - space - 1)
                    {
                        rank = parsed;
                    }

                    if (rank < 0)
                    {
                        ThrowFormat("expected 'base64 rank'");
                    }

                    builder.Add(line[..space], rank);
                }
                else
                {
                    if (!line.IsEmpty)
                    {
                        builder.Add(line, lineNumber);
                    }

                    lineNumber++;
                }
            }

            return builder.Build();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [DoesNotReturn]
    private static void ThrowFormat(string what) =>
        throw new InvalidDataException("Invalid tiktoken vocabulary: " + what + ".");

    /// <summary>Appends tokens in ascending rank order; a skipped rank becomes an empty entry (no token).</summary>
    private struct Builder()
    {
        private byte[] _bytes = new byte[64 * 1024];
        private int[] _offsets = new int[1024];
        private int _length;
        private int _count;

        /// <summary>Sizes the arrays for <paramref name="tokens"/> tokens (~8 bytes each, the tiktoken average is 7).</summary>
        public void Reserve(int tokens)
        {
            Array.Resize(ref _offsets, Math.Max(_offsets.Length, tokens + 1));
            Array.Resize(ref _bytes, Math.Max(_bytes.Length, tokens * 8));
        }

        public void Add(ReadOnlySpan<byte> base64, int rank)
        {
            if (rank < _count)
            {
                ThrowFormat("ranks must ascend");
            }

            if (rank + 2 > _offsets.Length)
            {
                Array.Resize(ref _offsets, Math.Max(rank + 2, _offsets.Length * 2));
            }

            while (_count < rank)
            {
                _offsets[++_count] = _length; // ranks with no token
            }

            var max = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
            if (_length + max > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(_length + max, _bytes.Length + (_bytes.Length >> 1)));
            }

            if (Base64.DecodeFromUtf8(base64, _bytes.AsSpan(_length), out _, out var written) != OperationStatus.Done || written == 0)
            {
                ThrowFormat("bad base64 token");
            }

            _length += written;
            _offsets[++_count] = _length;
        }

        public readonly RankTable Build()
        {
            // A Capacity line is exact or one over (o200k says 199999 for 199,998 tokens): a few reserved offsets stay
            // as empty trailing ranks rather than copying the whole array to trim them.
            var offsets = _offsets.Length - (_count + 1) <= 64 ? _offsets : _offsets.AsSpan(0, _count + 1).ToArray();
            for (var i = _count + 1; i < offsets.Length; i++)
            {
                offsets[i] = _length;
            }

            return new RankTable(_bytes.AsSpan(0, _length).ToArray(), offsets);
        }
    }

    /// <summary>Splits a stream into lines (LF or CRLF, the CR dropped) inside a caller-provided buffer.</summary>
    private struct LineReader(Stream stream)
    {
        private int _start;
        private int _end;
        private bool _eof;

        public bool TryReadLine(byte[] buffer, out ReadOnlySpan<byte> line)
        {
            while (true)
            {
                var newline = buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    line = TrimCr(buffer.AsSpan(_start, newline));
                    _start += newline + 1;
                    return true;
                }

                if (_eof)
                {
                    if (_start < _end)
                    {
                        line = TrimCr(buffer.AsSpan(_start, _end - _start));
                        _start = _end;
                        return true;
                    }

                    line = default;
                    return false;
                }

                // Move the partial line to the front and fill the rest.
                if (_start > 0)
                {
                    buffer.AsSpan(_start, _end - _start).CopyTo(buffer);
                    _end -= _start;
                    _start = 0;
                }

                if (_end == buffer.Length)
                {
                    ThrowFormat("line longer than " + buffer.Length + " bytes");
                }

                var read = stream.Read(buffer, _end, buffer.Length - _end);
                if (read == 0)
                {
                    _eof = true;
                }

                _end += read;
            }
        }

        private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
            line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;
    }
}
