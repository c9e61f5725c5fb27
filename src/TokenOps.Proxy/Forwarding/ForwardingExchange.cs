using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using TokenOps.Core.Events;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// The metering side of one exchange: the <see cref="PromptEvent"/> under construction and the guarded observer.
/// Exists only when an event publisher is registered (minimal mode builds nothing). Once the client has its
/// whole response, the exchange is queued to the <see cref="CompletionPump"/> (or, past its backlog, the thread
/// pool — it is an <see cref="IThreadPoolWorkItem"/>) where the observer completes the event, the cost stamper prices it and the publisher takes it — off the request path.
/// </summary>
internal sealed class ForwardingExchange : IThreadPoolWorkItem
{
    /// <summary>Recently hashed credentials (see <see cref="HashCredential"/>), direct-mapped by the string's hash code.</summary>
    private static readonly HashedCredential?[] CredentialMemo = new HashedCredential?[16];

    private readonly ForwarderServices _services;
    private IExchangeObserver? _observer;
    private string? _credential;
    private string? _rawQuery;
    private bool _completed;

    private ForwardingExchange(ForwarderServices services, PromptEvent promptEvent, IExchangeObserver? observer)
    {
        _services = services;
        Event = promptEvent;
        _observer = observer;
    }

    public PromptEvent Event { get; }

    /// <summary>True when the observer threw and was switched off for this exchange.</summary>
    public bool ObserverFailed { get; private set; }

    /// <summary>Step 2 of the forwarder: read attribution and trace context; keep the credential for hashing later.</summary>
    public static ForwardingExchange Start(ForwarderServices services, HttpContext context, string provider, string path, string restAndQuery)
    {
        var request = context.Request;
        var method = request.Method;
        var promptEvent = new PromptEvent
        {
            Provider = provider,
            Method = method,
            Path = path,
            StartedAt = services.TimeProvider.GetUtcNow(),
        };

        var headers = request.Headers;
        promptEvent.WorkflowId = NullIfEmpty(headers["X-TokenOps-Workflow-Id"]);
        promptEvent.AgentId = NullIfEmpty(headers["X-TokenOps-Agent-Id"]);
        promptEvent.SessionId = NullIfEmpty(headers["X-TokenOps-Session-Id"]);
        promptEvent.UserId = NullIfEmpty(headers["X-TokenOps-User-Id"]);
        ParseTraceParent(headers["traceparent"].ToString(), promptEvent);

        IExchangeObserver? observer = null;
        if (services.ObserverFactory is { } factory)
        {
            try
            {
                observer = factory.Create(provider, method, path);
            }
            catch (Exception)
            {
                services.Counters.ObserverFailed();
            }
        }

        var exchange = new ForwardingExchange(services, promptEvent, observer);
        // The credential string is already allocated by Kestrel; hashing waits until we are off the request path.
        exchange._credential = NullIfEmpty(headers.Authorization) ?? NullIfEmpty(headers["x-api-key"]) ?? NullIfEmpty(headers["x-goog-api-key"]);
        if (exchange._credential is null)
        {
            var q = restAndQuery.IndexOf('?', StringComparison.Ordinal);
            exchange._rawQuery = q < 0 ? null : restAndQuery[q..];
        }

        return exchange;
    }

    public void OnRequestBody(ReadOnlySpan<byte> chunk)
    {
        if (_observer is null)
        {
            return;
        }

        try
        {
            _observer.OnRequestBody(chunk);
        }
        catch (Exception)
        {
            DisableObserver();
        }
    }

    public void OnResponseStart(int statusCode, string? contentType, string? contentEncoding)
    {
        if (_observer is null)
        {
            return;
        }

        try
        {
            _observer.OnResponseStart(statusCode, contentType, contentEncoding);
        }
        catch (Exception)
        {
            DisableObserver();
        }
    }

    public void OnResponseBody(ReadOnlySpan<byte> chunk, long timestamp)
    {
        if (_observer is null)
        {
            return;
        }

        try
        {
            _observer.OnResponseBody(chunk, timestamp);
        }
        catch (Exception)
        {
            DisableObserver();
        }
    }

    /// <summary>Hands the exchange to the metering pump (or the thread pool), bounded: above the bound the event is dropped and counted.</summary>
    public void QueueCompletion(bool exchangeCompleted)
    {
        _completed = exchangeCompleted;
        if (!_services.TryEnterCompletion())
        {
            _services.Counters.CompletionDropped();
            return;
        }

        if (_services.Pump is { } pump)
        {
            pump.Enqueue(this);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Off the request path: observer → cost stamp → publish. Never throws.</summary>
    public void Execute()
    {
        try
        {
            Event.CredentialHash = HashCredential(_credential ?? KeyFromQuery(_rawQuery));
            if (_observer is { } observer)
            {
                try
                {
                    observer.Complete(Event, _completed);
                }
                catch (Exception)
                {
                    ObserverFailed = true;
                    _services.Counters.ObserverFailed();
                    Event.UsageSource = UsageSources.Unavailable;
                }
            }

            try
            {
                _services.CostStamper?.Stamp(Event);
            }
            catch (Exception ex)
            {
                _services.LogCompletionFailure(ex);
            }

            foreach (var hook in _services.CompletionHooks)
            {
                try
                {
                    hook.OnExchangeCompleted(Event);
                }
                catch (Exception ex)
                {
                    _services.LogCompletionFailure(ex);
                }
            }

            _services.Publisher?.TryPublish(Envelope.ForPrompt(Event));
        }
        catch (Exception ex)
        {
            _services.LogCompletionFailure(ex);
        }
        finally
        {
            _services.ExitCompletion();
        }
    }

    private void DisableObserver()
    {
        _observer = null;
        ObserverFailed = true;
        _services.Counters.ObserverFailed();
    }

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count == 0 || string.IsNullOrEmpty(values[0]) ? null : values.ToString();

    /// <summary>W3C trace context: <c>00-{32 hex trace id}-{16 hex span id}-{2 hex flags}</c> (https://www.w3.org/TR/trace-context/).</summary>
    internal static void ParseTraceParent(string traceParent, PromptEvent promptEvent)
    {
        var span = traceParent.AsSpan().Trim();
        if (span.Length < 55 || span[2] != '-' || span[35] != '-' || span[52] != '-')
        {
            return;
        }

        var traceId = span.Slice(3, 32);
        var spanId = span.Slice(36, 16);
        if (!IsLowerHex(traceId) || !IsLowerHex(spanId) || traceId.IndexOfAnyExcept('0') < 0 || spanId.IndexOfAnyExcept('0') < 0)
        {
            return;
        }

        promptEvent.TraceId = traceId.ToString();
        promptEvent.SpanId = spanId.ToString();
    }

    private static bool IsLowerHex(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The <c>key</c> query parameter Gemini accepts instead of a header.</summary>
    internal static string? KeyFromQuery(string? rawQuery)
    {
        if (string.IsNullOrEmpty(rawQuery))
        {
            return null;
        }

        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(rawQuery);
        return query.TryGetValue("key", out var key) && key.Count > 0 && !string.IsNullOrEmpty(key[0]) ? key[0] : null;
    }

    /// <summary>First 8 bytes of sha256(credential) as 16 lowercase hex chars: tells keys apart, reveals nothing.</summary>
    /// <remarks>
    /// Memoized in a small direct-mapped table (<see cref="CredentialMemo"/>): a dev machine sends the same few keys
    /// on every request, and SHA-256 through OpenSSL is a few microseconds that the cache key pays on the socket event
    /// loop. A hit compares the whole credential, so two keys never share a hash. The table holds the credential
    /// strings themselves, in memory only, as Kestrel's header-value reuse already does for each connection.
    /// </remarks>
    internal static string? HashCredential(string? credential)
    {
        if (credential is null)
        {
            return null;
        }

        var slot = (int)((uint)credential.GetHashCode() % (uint)CredentialMemo.Length);
        var memo = Volatile.Read(ref CredentialMemo[slot]);
        if (memo is not null && string.Equals(memo.Credential, credential, StringComparison.Ordinal))
        {
            return memo.Hash;
        }

        var hashed = ComputeCredentialHash(credential);
        Volatile.Write(ref CredentialMemo[slot], new HashedCredential(credential, hashed));
        return hashed;
    }

    private static string ComputeCredentialHash(string credential)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(credential.Length);
        var utf8 = maxBytes <= 1024 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        var written = Encoding.UTF8.GetBytes(credential, utf8);
        SHA256.HashData(utf8[..written], hash);
        utf8[..written].Clear();
        return Observation.InternPool.Hex(hash[..8]);
    }

    private sealed class HashedCredential(string credential, string hash)
    {
        public string Credential { get; } = credential;

        public string Hash { get; } = hash;
    }
}
