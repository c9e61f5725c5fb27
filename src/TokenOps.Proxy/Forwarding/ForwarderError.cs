namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// Why an exchange did not complete. Closed set: <see cref="ForwarderErrorMapping"/> is the one place that
/// turns a member into a status code + provider-shaped body (or a connection abort).
/// </summary>
public enum ForwarderError
{
    None = 0,

    /// <summary>The path has no provider prefix (or the provider has no upstream configured).</summary>
    NoRoute,

    /// <summary>The upstream request could not be built from the client's (e.g. an unparsable target).</summary>
    RequestCreation,

    /// <summary>A pre-forward interceptor (cache, optimizer) threw.</summary>
    InterceptorFailed,

    /// <summary>DNS, TCP or TLS to the upstream failed, or the connect timeout elapsed.</summary>
    UpstreamConnectFailed,

    /// <summary>No response headers within <see cref="ProxyOptions.FirstByteTimeout"/>.</summary>
    UpstreamTimeout,

    /// <summary>The upstream went silent mid-body for longer than <see cref="ProxyOptions.IdleTimeout"/>.</summary>
    UpstreamIdleTimeout,

    /// <summary>The upstream connection failed after connecting, before response headers.</summary>
    UpstreamRequestFailed,

    /// <summary>Writing the request body to the upstream failed.</summary>
    UpstreamRequestBodyFailed,

    /// <summary>Reading the request body from the client failed (malformed framing, reset).</summary>
    RequestBodyClientFailed,

    /// <summary>The client sent its request body too slowly (Kestrel's minimum data rate).</summary>
    RequestBodyClientTimeout,

    /// <summary>The client went away (<c>HttpContext.RequestAborted</c>).</summary>
    ClientAborted,

    /// <summary>Reading the response body from the upstream failed.</summary>
    UpstreamResponseBodyFailed,

    /// <summary>Writing the response body to the client failed.</summary>
    ResponseBodyClientFailed,
}
