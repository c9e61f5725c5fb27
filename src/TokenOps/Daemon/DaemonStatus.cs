using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using TokenOps.Configuration;

namespace TokenOps.Daemon;

/// <summary>Answers <c>/readyz</c>: ready (200) or stopping (503), plus every registered counter source.</summary>
internal sealed class DaemonStatus(
    TokenOpsConfig config,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    IEnumerable<IDaemonCounterSource> counterSources)
{
    private readonly long _startedAt = timeProvider.GetTimestamp();
    private readonly IDaemonCounterSource[] _counterSources = [.. counterSources];

    /// <summary>The bound address, set once Kestrel listens (port 0 becomes the real port).</summary>
    public string Listen { get; set; } = config.Listen;

    public ReadyResponse Snapshot()
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in _counterSources)
        {
            source.WriteCounters(counters);
            source.WriteDetails(details);
        }

        return new ReadyResponse
        {
            Status = lifetime.ApplicationStopping.IsCancellationRequested ? "stopping" : "ready",
            Version = BuildInfo.Version,
            Listen = Listen,
            UptimeMs = (long)timeProvider.GetElapsedTime(_startedAt).TotalMilliseconds,
            Storage = new StorageStatus(config.Storage.Enabled, config.Storage.Path),
            Counters = counters,
            Details = details.Count == 0 ? null : details,
        };
    }

    public IResult ToResult()
    {
        var snapshot = Snapshot();
        return TypedResults.Json(
            snapshot,
            DaemonJsonContext.Default.ReadyResponse,
            statusCode: snapshot.Status == "ready" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
