namespace TokenOps.Otlp.Export;

/// <summary>
/// Point-in-time counters of one <see cref="OtlpExporterSink"/>, for <c>tokenops status</c> and /readyz.
/// Spans, log records and metric points are counted separately; "failed" counts export REQUESTS that failed
/// (each retry attempt counts), "dropped" counts ITEMS given up on (retries exhausted, non-retryable
/// rejection, queue overflow, shutdown deadline).
/// </summary>
public sealed record OtlpExporterStatus
{
    public bool Enabled { get; init; }
    public string TracesEndpoint { get; init; } = "";
    public string MetricsEndpoint { get; init; } = "";
    public string LogsEndpoint { get; init; } = "";
    /// <summary>http/protobuf | http/json.</summary>
    public string Protocol { get; init; } = "";
    public long SentSpans { get; init; }
    public long SentLogRecords { get; init; }
    /// <summary>Metric data points delivered (cumulative snapshots: the same series counts once per delivered snapshot).</summary>
    public long SentMetricPoints { get; init; }
    public long SentRequests { get; init; }
    public long FailedRequests { get; init; }
    public long Retries { get; init; }
    public long DroppedSpans { get; init; }
    public long DroppedLogRecords { get; init; }
    /// <summary>Batches waiting in the exporter's own queue (not counting one in flight).</summary>
    public int QueuedBatches { get; init; }
    public long QueuedSpans { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    /// <summary>The wait before the most recent retry (Retry-After when the collector sent one, else backoff).</summary>
    public TimeSpan? LastRetryDelay { get; init; }
}
