using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using TokenOps.Core.Events;
using TokenOps.Tokenizers;

namespace TokenOps.Proxy.Observation;

/// <summary>
/// The tap of one exchange. Request side: incremental sha256 of every chunk + a bounded copy for parsing.
/// Response side, chosen at <see cref="OnResponseStart"/>:
/// <list type="bullet">
/// <item>uncompressed <c>text/event-stream</c> with a 2xx status → streamed through <see cref="SseParser"/>
/// into the provider's <see cref="UsageTap"/> as it passes (nothing but the current event is kept);</item>
/// <item>anything else (JSON, Gemini's JSON-array stream, error bodies, and every compressed body) →
/// accumulated (bounded by <see cref="ObservationOptions.MaxResponseBytes"/>) and parsed at
/// <see cref="Complete"/>. Compressed bodies go to the client untouched (the forwarder never re-encodes);
/// the tap inflates its own copy after the response, so metering never delays a byte.</item>
/// </list>
/// Every hook catches everything: the tap may fail, forwarding may not. A failure marks the event
/// <c>usage_source=unavailable</c>.
/// </summary>
internal sealed class ExchangeObserver : IExchangeObserver
{
    private readonly ObservationOptions _options;
    private readonly TimeProvider _time;
    private readonly UsageTap _tap;
    private readonly string _provider;
    private readonly string _method;
    private readonly string _path;
    private readonly string _operation;
    private readonly string? _pathModel;
    private readonly long _startTimestamp;

    private IncrementalHash? _hash;
    private BoundedBuffer? _requestBody;
    private long _requestBytes;
    private bool _requestFailed;

    private int _status;
    private string? _contentEncoding;
    private bool _isSse;
    private bool _streaming;
    private SseParser? _sse;
    private BoundedBuffer? _responseBody;
    private long _responseBytes;
    private long _firstBodyTimestamp;
    private long _responseStartTimestamp;
    private bool _responseFailed;
    private bool _completed;

    public ExchangeObserver(ObservationOptions options, TimeProvider time, UsageTap tap, string provider, string method,
        string path, string operation, string? pathModel)
    {
        _options = options;
        _time = time;
        _tap = tap;
        _provider = provider;
        _method = method;
        _path = path;
        _operation = operation;
        _pathModel = pathModel;
        _startTimestamp = time.GetTimestamp();
    }

    internal string Operation => _operation;

    public void OnRequestBody(ReadOnlySpan<byte> chunk)
    {
        if (_requestFailed || _completed)
        {
            return;
        }

        try
        {
            // The prompt hash is computed off the request path from the buffered body (FillRequest), one SHA-256 call.
            // Only a body that outgrows the buffer is hashed as it streams: from the moment it overflows, the buffered
            // part first. Past the bound the hash stays complete; parsing is skipped.
            _requestBytes += chunk.Length;
            _requestBody ??= new BoundedBuffer(_options.MaxRequestBytes, 16 * 1024);
            if (_hash is not null)
            {
                _hash.AppendData(chunk);
            }
            else if (!_requestBody.Append(chunk))
            {
                _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                _hash.AppendData(_requestBody.WrittenSpan);
                _hash.AppendData(chunk);
            }
        }
        catch (Exception)
        {
            _requestFailed = true;
        }
    }

    public void OnResponseStart(int statusCode, string? contentType, string? contentEncoding)
    {
        try
        {
            _status = statusCode;
            _responseStartTimestamp = _time.GetTimestamp();
            _isSse = contentType is not null && contentType.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
            _contentEncoding = NormalizeEncoding(contentEncoding);
            _streaming = _isSse && _contentEncoding is null && statusCode is >= 200 and < 300;
            if (_streaming)
            {
                _sse = new SseParser(_options.MaxSseEventBytes);
            }
        }
        catch (Exception)
        {
            _responseFailed = true;
        }
    }

    public void OnResponseBody(ReadOnlySpan<byte> chunk, long timestamp)
    {
        if (_responseFailed || _completed)
        {
            return;
        }

        try
        {
            _responseBytes += chunk.Length;
            if (_firstBodyTimestamp == 0)
            {
                _firstBodyTimestamp = timestamp;
            }

            if (_sse is not null)
            {
                _tap.CurrentTimestamp = timestamp;
                _sse.Feed(chunk, _tap);
                if (_options.CaptureResponseBodies)
                {
                    (_responseBody ??= new BoundedBuffer(_options.MaxResponseBytes)).Append(chunk);
                }
            }
            else
            {
                (_responseBody ??= new BoundedBuffer(_options.MaxResponseBytes)).Append(chunk);
            }
        }
        catch (Exception)
        {
            _responseFailed = true;
        }
    }

    public void Complete(PromptEvent promptEvent, bool exchangeCompleted)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        try
        {
            FillRequest(promptEvent);
        }
        catch (Exception)
        {
            // A request we could not parse still gets its response metered.
        }

        try
        {
            FillResponse(promptEvent, exchangeCompleted);
        }
        catch (Exception)
        {
            promptEvent.UsageSource = UsageSources.Unavailable;
        }
        finally
        {
            _hash?.Dispose();
            _requestBody?.Dispose();
            _responseBody?.Dispose();
            _sse?.Dispose();
            _tap.Dispose();
        }
    }

    private void FillRequest(PromptEvent e)
    {
        if (e.Provider.Length == 0)
        {
            e.Provider = _provider;
        }

        if (e.Method.Length == 0)
        {
            e.Method = _method;
        }

        if (e.Path.Length == 0)
        {
            var q = _path.IndexOf('?');
            e.Path = q >= 0 ? _path[..q] : _path;
        }

        e.Operation = _operation;
        e.RequestBytes = Math.Max(e.RequestBytes, _requestBytes);
        if (_requestFailed)
        {
            return;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        if (_hash is not null)
        {
            _hash.GetHashAndReset(digest);
        }
        else
        {
            SHA256.HashData(_requestBody is null ? default : _requestBody.WrittenSpan, digest);
        }

        e.PromptHash = Convert.ToHexStringLower(digest);

        var body = _requestBody;
        var complete = body is null || !body.Overflowed;
        if (_options.CaptureRequestBodies && body is not null)
        {
            e.CapturedRequestBody = body.ToArray();
        }

        RequestBodyParser.Fill(e, _provider, _operation, _pathModel, complete && body is not null ? body.WrittenMemory : default);
    }

    private void FillResponse(PromptEvent e, bool exchangeCompleted)
    {
        if (e.StatusCode == 0)
        {
            e.StatusCode = _status;
        }

        e.ResponseBytes = Math.Max(e.ResponseBytes, _responseBytes);
        if (e.TimeToFirstByteMs is null && _responseStartTimestamp != 0)
        {
            e.TimeToFirstByteMs = Ms(_responseStartTimestamp);
        }

        e.UsageSource = UsageSources.Unavailable;
        if (_responseFailed || _status == 0)
        {
            return;
        }

        if (!_streaming)
        {
            if (!ParseBufferedBody(e))
            {
                return;
            }
        }
        else if (_options.CaptureResponseBodies && _responseBody is not null)
        {
            e.CapturedResponseBody = _responseBody.ToArray();
        }

        var tap = _tap;
        e.ResponseModel = tap.Model;
        e.ResponseId = tap.ResponseId;
        e.FinishReason = tap.FinishReason;
        e.ErrorType = tap.ErrorType;
        e.ErrorCode = tap.ErrorCode;

        if (_status >= 400 || tap.Failed)
        {
            return;
        }

        // SSE: the first event with generated content (for a compressed stream parsed afterwards that is the
        // first body chunk's time). JSON: the whole answer arrives at once, so its first chunk.
        var firstContent = _isSse ? tap.FirstContentTimestamp : _firstBodyTimestamp;
        if (firstContent != 0)
        {
            e.TimeToFirstTokenMs = Ms(firstContent);
        }

        if (tap.UsageFinal)
        {
            e.InputTokens = tap.InputTokens;
            e.OutputTokens = tap.OutputTokens;
            e.CachedInputTokens = tap.CachedInputTokens;
            e.CacheWriteInputTokens = tap.CacheWriteInputTokens;
            e.CacheWrite5mInputTokens = tap.CacheWrite5mInputTokens;
            e.CacheWrite1hInputTokens = tap.CacheWrite1hInputTokens;
            e.ReasoningTokens = tap.ReasoningTokens;
            e.UsageSource = UsageSources.Provider;
            return;
        }

        // No usage from the provider (e.g. an OpenAI stream without stream_options.include_usage): count
        // with our tokenizer, but only for a stream that really ended — a truncated stream is "unavailable".
        if (tap.CanEstimate && tap.Terminal && exchangeCompleted && (_sse is null || !_sse.HasPartialEvent))
        {
            var text = tap.StreamedOutputText();
            if (text is not null)
            {
                var model = tap.Model ?? e.RequestModel;
                e.OutputTokens = TokenCounter.CountText(model, text, _provider).Tokens;
                e.InputTokens = e.EstimatedInputTokens;
                e.UsageSource = UsageSources.Estimated;
            }
        }
    }

    /// <summary>Inflates (if needed) and parses an accumulated body. False when usage is unavailable.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ParseBufferedBody(PromptEvent e)
    {
        var raw = _responseBody;
        if (raw is null || raw.Overflowed)
        {
            return raw is null && _status >= 400; // an empty error body still reports the status
        }

        BoundedBuffer? inflated = null;
        try
        {
            var body = raw.WrittenSpan;
            if (_contentEncoding is not null)
            {
                if (!TryDecompress(raw.WrittenMemory, _contentEncoding, _options.MaxDecompressedBytes, out inflated))
                {
                    return false;
                }

                body = inflated.WrittenSpan;
            }

            if (_options.CaptureResponseBodies)
            {
                e.CapturedResponseBody = body.Length <= _options.MaxResponseBytes
                    ? body.ToArray()
                    : body[.._options.MaxResponseBytes].ToArray();
            }

            _tap.CurrentTimestamp = _firstBodyTimestamp;
            if (_status >= 400)
            {
                _tap.OnErrorBody(body);
            }
            else if (_isSse)
            {
                using var sse = new SseParser(_options.MaxSseEventBytes);
                sse.Feed(body, _tap);
                if (sse.HasPartialEvent)
                {
                    return true; // truncated: usage is only taken when final
                }
            }
            else
            {
                _tap.OnJsonBody(body);
            }

            return true;
        }
        finally
        {
            inflated?.Dispose();
        }
    }

    internal static bool TryDecompress(ReadOnlyMemory<byte> data, string encoding, int maxBytes, [NotNullWhen(true)] out BoundedBuffer? result)
    {
        result = null;
        if (TryInflate(data, encoding, maxBytes, raw: false, out result))
        {
            return true;
        }

        // "deflate" is zlib-wrapped per RFC 9110 §8.4.1.2, but some servers send raw DEFLATE.
        return encoding == "deflate" && TryInflate(data, encoding, maxBytes, raw: true, out result);
    }

    private static bool TryInflate(ReadOnlyMemory<byte> data, string encoding, int maxBytes, bool raw, [NotNullWhen(true)] out BoundedBuffer? result)
    {
        var output = new BoundedBuffer(maxBytes, 64 * 1024);
        try
        {
            using var input = new ReadOnlyMemoryStream(data);
            using Stream? decoder = encoding switch
            {
                "gzip" or "x-gzip" => new GZipStream(input, CompressionMode.Decompress),
                "br" => new BrotliStream(input, CompressionMode.Decompress),
                "deflate" when raw => new DeflateStream(input, CompressionMode.Decompress),
                "deflate" => new ZLibStream(input, CompressionMode.Decompress),
                _ => null,
            };
            if (decoder is null)
            {
                output.Dispose();
                result = null;
                return false;
            }

            Span<byte> buffer = stackalloc byte[16 * 1024];
            int read;
            while ((read = decoder.Read(buffer)) > 0)
            {
                if (!output.Append(buffer[..read]))
                {
                    output.Dispose();
                    result = null;
                    return false;
                }
            }

            result = output;
            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException)
        {
            output.Dispose();
            result = null;
            return false;
        }
    }

    /// <summary>Null for identity; lowercase single coding otherwise. Stacked codings ("gzip, br") are not inflated.</summary>
    private static string? NormalizeEncoding(string? contentEncoding)
    {
        if (string.IsNullOrWhiteSpace(contentEncoding))
        {
            return null;
        }

        var value = contentEncoding.Trim();
        if (value.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return value.ToLowerInvariant();
    }

    private double Ms(long timestamp) =>
        Math.Max(0, (timestamp - _startTimestamp) * 1000.0 / _time.TimestampFrequency);

    /// <summary>A read-only stream over memory without copying it into a MemoryStream's array.</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, data.Length - _position);
            data.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
