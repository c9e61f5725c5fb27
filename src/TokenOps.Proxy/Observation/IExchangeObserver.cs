using TokenOps.Core.Events;

namespace TokenOps.Proxy.Observation;

/// <summary>
/// The observation tap of one proxied exchange. The forwarder calls these hooks on the request's own
/// task as bytes pass; they must be cheap per chunk and must never delay or alter forwarding.
/// The forwarder guards every call: an exception disables the observer for the rest of the exchange
/// and the event is marked <c>usage_source=unavailable</c>; the client response is never affected.
/// </summary>
public interface IExchangeObserver
{
    /// <summary>Each request-body chunk exactly as it is sent upstream (hash, bounded capture).</summary>
    void OnRequestBody(ReadOnlySpan<byte> chunk);

    /// <summary>Upstream response status and the two headers the tap needs.</summary>
    void OnResponseStart(int statusCode, string? contentType, string? contentEncoding);

    /// <summary>Each response-body chunk exactly as it is sent to the client (possibly compressed).</summary>
    void OnResponseBody(ReadOnlySpan<byte> chunk, long timestamp);

    /// <summary>
    /// Called once, OFF the request path (after the client has its full response), to fill the
    /// request-side and usage fields of <paramref name="promptEvent"/> from what was observed.
    /// </summary>
    void Complete(PromptEvent promptEvent, bool exchangeCompleted);
}

/// <summary>Creates one observer per exchange; null means "forwarding only" (minimal mode).</summary>
public interface IExchangeObserverFactory
{
    IExchangeObserver? Create(string provider, string method, string path);
}
