using System.Buffers;
using TokenOps.Proxy.Providers;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// THE one place a <see cref="ForwarderError"/> becomes what the client sees: a status code and a JSON body in
/// the calling provider's own error shape (so SDKs raise their normal exception), or a connection abort when
/// nothing honest can be sent (the response already started — no fake 200 tail — or the client is gone).
/// </summary>
internal static class ForwarderErrorMapping
{
    /// <summary>Returned by <see cref="StatusCode"/> when the only answer is to abort the connection.</summary>
    public const int Abort = 0;

    /// <summary>Status to send when the response has not started yet; <see cref="Abort"/> means abort.</summary>
    public static int StatusCode(ForwarderError error) => error switch
    {
        ForwarderError.NoRoute => 404,
        ForwarderError.RequestCreation => 400,
        ForwarderError.InterceptorFailed => 500,
        ForwarderError.UpstreamConnectFailed => 502,
        ForwarderError.UpstreamTimeout => 504,
        ForwarderError.UpstreamIdleTimeout => 504,
        ForwarderError.UpstreamRequestFailed => 502,
        ForwarderError.UpstreamRequestBodyFailed => 502,
        ForwarderError.RequestBodyClientFailed => 400,
        ForwarderError.RequestBodyClientTimeout => 408,
        ForwarderError.ClientAborted => Abort,
        ForwarderError.UpstreamResponseBodyFailed => 502,
        ForwarderError.ResponseBodyClientFailed => Abort,
        // None is not a failure; reaching here is a bug, answer like one.
        _ => 500,
    };

    /// <summary>True when the connection must be aborted instead of answered.</summary>
    public static bool ShouldAbort(ForwarderError error, bool responseStarted) =>
        responseStarted || StatusCode(error) == Abort;

    /// <summary>Stable snake_case code, used as the provider error <c>code</c> (OpenAI) and in logs.</summary>
    public static string Code(ForwarderError error) => error switch
    {
        ForwarderError.NoRoute => "tokenops_no_route",
        ForwarderError.RequestCreation => "tokenops_bad_request",
        ForwarderError.InterceptorFailed => "tokenops_interceptor_failed",
        ForwarderError.UpstreamConnectFailed => "tokenops_upstream_connect_failed",
        ForwarderError.UpstreamTimeout => "tokenops_upstream_timeout",
        ForwarderError.UpstreamIdleTimeout => "tokenops_upstream_idle_timeout",
        ForwarderError.UpstreamRequestFailed => "tokenops_upstream_request_failed",
        ForwarderError.UpstreamRequestBodyFailed => "tokenops_upstream_request_body_failed",
        ForwarderError.RequestBodyClientFailed => "tokenops_request_body_failed",
        ForwarderError.RequestBodyClientTimeout => "tokenops_request_body_timeout",
        ForwarderError.ClientAborted => "tokenops_client_aborted",
        ForwarderError.UpstreamResponseBodyFailed => "tokenops_upstream_response_body_failed",
        ForwarderError.ResponseBodyClientFailed => "tokenops_response_body_failed",
        _ => "tokenops_internal_error",
    };

    /// <summary>Human message. Never contains a header value, a query string or a body.</summary>
    public static string Message(ForwarderError error) => error switch
    {
        ForwarderError.NoRoute => "TokenOps: no route for this path. Use /openai/..., /anthropic/... or /gemini/....",
        ForwarderError.RequestCreation => "TokenOps: the request could not be forwarded as sent.",
        ForwarderError.InterceptorFailed => "TokenOps: a request interceptor failed.",
        ForwarderError.UpstreamConnectFailed => "TokenOps: could not connect to the upstream provider.",
        ForwarderError.UpstreamTimeout => "TokenOps: the upstream provider did not answer in time.",
        ForwarderError.UpstreamIdleTimeout => "TokenOps: the upstream provider stopped sending the response.",
        ForwarderError.UpstreamRequestFailed => "TokenOps: the upstream provider closed the connection before answering.",
        ForwarderError.UpstreamRequestBodyFailed => "TokenOps: sending the request body to the upstream provider failed.",
        ForwarderError.RequestBodyClientFailed => "TokenOps: the request body could not be read.",
        ForwarderError.RequestBodyClientTimeout => "TokenOps: the request body arrived too slowly.",
        ForwarderError.ClientAborted => "TokenOps: the client closed the connection.",
        ForwarderError.UpstreamResponseBodyFailed => "TokenOps: reading the upstream response failed.",
        ForwarderError.ResponseBodyClientFailed => "TokenOps: writing the response to the client failed.",
        _ => "TokenOps: internal error.",
    };

    /// <summary>Writes the error body for <paramref name="error"/> in <paramref name="provider"/>'s shape.</summary>
    public static void WriteBody(IBufferWriter<byte> output, ProviderKind provider, ForwarderError error)
    {
        var status = StatusCode(error);
        ProviderErrorWriter.Write(output, provider, status == Abort ? 500 : status, Code(error), Message(error));
    }
}
