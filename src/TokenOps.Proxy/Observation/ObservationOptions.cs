namespace TokenOps.Proxy.Observation;

/// <summary>Bounds and switches of the observation tap (config: <c>capture.bodies</c>; the bounds are internal defaults).</summary>
public sealed record ObservationOptions
{
    /// <summary><c>capture.bodies</c>: copy the (bounded, decompressed) request and response bodies into the event (sets both switches below).</summary>
    public bool CaptureBodies
    {
        get => CaptureRequestBodies && CaptureResponseBodies;
        init => CaptureRequestBodies = CaptureResponseBodies = value;
    }

    /// <summary>
    /// Copy the request body into the event: on with <c>capture.bodies</c>, and on its own for the passive optimizer, which
    /// reads only the request.
    /// </summary>
    public bool CaptureRequestBodies { get; init; }

    /// <summary>
    /// Copy the response body into the event (and keep a streamed one whole for that): only with <c>capture.bodies</c>.
    /// Nothing else reads it, so without the opt-in the copy is not made at all.
    /// </summary>
    public bool CaptureResponseBodies { get; init; }

    /// <summary>Request bytes kept for parsing (the hash always covers the whole body). Beyond it, request parsing is skipped.</summary>
    public int MaxRequestBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Non-streamed (JSON, error or compressed) response bytes kept for parsing at Complete.</summary>
    public int MaxResponseBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest decompressed response body the tap will inflate (zip-bomb guard).</summary>
    public int MaxDecompressedBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Largest single SSE event (or line) the streaming parser holds; larger events are skipped.</summary>
    public int MaxSseEventBytes { get; init; } = 1024 * 1024;

    /// <summary>Streamed content kept to estimate output tokens when the provider reports no usage.</summary>
    public int MaxStreamedTextBytes { get; init; } = 4 * 1024 * 1024;
}
