using System.Text.Json.Serialization;

namespace TokenOps.Daemon;

/// <summary><c>GET /version</c>.</summary>
internal sealed record VersionResponse(string Name, string Version, string? Commit, string Runtime);

/// <summary><c>GET /readyz</c>: readiness plus the counters every feature contributes.</summary>
internal sealed record ReadyResponse
{
    /// <summary>"ready", or "stopping" once shutdown has begun (then the status code is 503).</summary>
    public required string Status { get; init; }

    public required string Version { get; init; }

    public required string Listen { get; init; }

    public required long UptimeMs { get; init; }

    public required StorageStatus Storage { get; init; }

    /// <summary>Named counters, e.g. <c>proxy.requests</c>, <c>bus.dropped</c>; sorted by name.</summary>
    public required SortedDictionary<string, long> Counters { get; init; }

    /// <summary>Named text facts: last sink/exporter errors, a store that could not be opened.</summary>
    public SortedDictionary<string, string>? Details { get; init; }
}

internal sealed record StorageStatus(bool Enabled, string Path);

/// <summary>Source-generated JSON for the control endpoints and for <c>tokenops status</c>, which reads them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(ReadyResponse))]
internal sealed partial class DaemonJsonContext : JsonSerializerContext;
