using TokenOps.Core.Events;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// Runs for every completed exchange OFF the request path, after the observer filled the event and the cost
/// stamper priced it, just before it is published (e.g. the cache totals what its hits saved; the passive
/// optimizer inspects the captured request). Registered in DI; exceptions are caught, counted and logged.
/// </summary>
public interface IExchangeCompletionHook
{
    void OnExchangeCompleted(PromptEvent promptEvent);
}

/// <summary>
/// Sees the upstream response of one exchange as it is relayed (set by an interceptor on
/// <see cref="PreForwardContext.ResponseTap"/>, e.g. the cache recording a miss). Calls are guarded: a tap
/// that throws is switched off for the rest of the exchange; forwarding never notices.
/// </summary>
public interface IResponseTap
{
    void OnResponseStart(int statusCode, HttpResponseMessage response);

    void OnResponseBody(ReadOnlySpan<byte> chunk);

    /// <summary>Called exactly once when the exchange ends; <paramref name="success"/> = the client got the whole response.</summary>
    void OnCompleted(bool success);
}
