namespace TokenOps.LoadTest.Metrics;

/// <summary>Raw outcome of one scenario against one target in one round.</summary>
internal sealed class RunResult
{
    public required string Scenario { get; init; }

    public required string Target { get; init; }

    public int Round { get; set; }

    /// <summary>Open loop: completion − intended send time. Closed loop: completion − send. SSE: whole stream.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Open loop only: actual send − intended send (how punctual the generator was).</summary>
    public LatencyHistogram SendLag { get; } = new();

    /// <summary>SSE only: first event arrival − send.</summary>
    public LatencyHistogram TimeToFirstEvent { get; } = new();

    /// <summary>SSE only: gaps between consecutive events of a stream.</summary>
    public LatencyHistogram EventGaps { get; } = new();

    /// <summary>Requests (or streams) completed inside the measurement window.</summary>
    public long Measured { get; set; }

    /// <summary>All requests completed in the run, warm-up included (the denominator of CPU per request).</summary>
    public long Completed { get; set; }

    /// <summary>Failed requests: non-200, wrong body, connection errors, or never answered.</summary>
    public long Errors { get; set; }

    /// <summary>Open loop: measured requests whose send time came while every connection was busy.</summary>
    public long Waited { get; set; }

    /// <summary>Connections the target closed (we reconnect; a keep-alive proxy should show 0).</summary>
    public long Reconnects { get; set; }

    public double ThroughputRps { get; set; }

    /// <summary>CPU (user+sys) of the proxy process(es) per completed request, µs; null for the direct target.</summary>
    public double? ProxyCpuMicrosPerRequest { get; set; }

    public double UpstreamCpuMicrosPerRequest { get; set; }

    /// <summary>TokenOps only: time the GC paused the daemon, per completed request (warm-up included), µs.</summary>
    public double? GcPauseMicrosPerRequest { get; set; }

    /// <summary>TokenOps only: garbage collections (all generations) per 1000 completed requests.</summary>
    public double? GcsPerThousandRequests { get; set; }

    /// <summary>TokenOps only: managed bytes allocated per completed request (what drives the GC).</summary>
    public double? AllocatedBytesPerRequest { get; set; }

    /// <summary>TokenOps only: bytes the last gen0/gen1 GC of the run promoted (its pause is mostly copying them).</summary>
    public long? PromotedBytesLastGc { get; set; }

    public double GeneratorCpuMicrosPerRequest { get; set; }

    public long ProxyRssKb { get; set; }

    public long ProxyPeakRssKb { get; set; }

    public string? FirstError { get; set; }
}
