using System.Text.Json.Serialization;

namespace TokenOps.LoadTest.Report;

/// <summary>results.json: everything measured in one session. All times in microseconds.</summary>
internal sealed class LoadTestReport
{
    public string Tool { get; init; } = "TokenOps.LoadTest";

    public DateTimeOffset StartedAt { get; init; }

    public double DurationSeconds { get; set; }

    public string Mode { get; init; } = "full";

    public MachineInfo Machine { get; init; } = new();

    public SettingsInfo Settings { get; init; } = new();

    public List<TargetInfo> Targets { get; init; } = [];

    public List<RunRecord> Runs { get; init; } = [];

    public List<SummaryRow> Summary { get; set; } = [];

    public List<RatioRow> Ratios { get; set; } = [];

    public GateOutcome? Gate { get; set; }
}

internal sealed class MachineInfo
{
    public int ProcessorCount { get; init; } = Environment.ProcessorCount;

    public string Os { get; init; } = System.Runtime.InteropServices.RuntimeInformation.OSDescription;

    public string Runtime { get; init; } = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

    public string? Cpu { get; init; }

    public string? LoadAverageAtStart { get; init; }
}

internal sealed class SettingsInfo
{
    public int[] Rates { get; init; } = [];

    public int[] ClosedConcurrency { get; init; } = [];

    public int SseConcurrency { get; init; }

    public int SseIntervalMicros { get; init; }

    public int Rounds { get; init; }

    public double WarmupSeconds { get; init; }

    public double DurationSeconds { get; init; }

    public double ClosedWarmupSeconds { get; init; }

    public double ClosedDurationSeconds { get; init; }

    public int OpenLoopConnections { get; init; }

    public bool Pinned { get; init; }
}

internal sealed class TargetInfo
{
    public string Key { get; init; } = "";

    public string Name { get; init; } = "";

    public string Description { get; init; } = "";

    public bool Available { get; set; }

    public string? Reason { get; set; }

    public long? RssKb { get; set; }

    public long? PeakRssKb { get; set; }
}

internal sealed class RunRecord
{
    public int Round { get; init; }

    public string Scenario { get; init; } = "";

    public string Target { get; init; } = "";

    public long Count { get; init; }

    public long Errors { get; init; }

    public long Waited { get; init; }

    public long Reconnects { get; init; }

    public double ThroughputRps { get; init; }

    public double P50Us { get; init; }

    public double P90Us { get; init; }

    public double P99Us { get; init; }

    public double P999Us { get; init; }

    public double MaxUs { get; init; }

    public double MeanUs { get; init; }

    public double? SendLagP99Us { get; init; }

    public double? TtfcP50Us { get; init; }

    public double? TtfcP99Us { get; init; }

    public double? GapP50Us { get; init; }

    public double? GapP99Us { get; init; }

    public double? GapMaxUs { get; init; }

    public double? ProxyCpuUsPerRequest { get; init; }

    /// <summary>TokenOps only: GC pause per request (µs) and collections per 1000 requests.</summary>
    public double? GcPauseUsPerRequest { get; init; }

    public double? GcsPerThousandRequests { get; init; }

    public double? AllocatedKbPerRequest { get; init; }

    /// <summary>TokenOps only: KB the last gen0/gen1 GC of the run promoted (a gen0 pause is mostly copying survivors).</summary>
    public double? PromotedKbLastGc { get; init; }

    public double UpstreamCpuUsPerRequest { get; init; }

    public double GeneratorCpuUsPerRequest { get; init; }

    public long? RssKb { get; init; }

    public long? PeakRssKb { get; init; }

    public string? FirstError { get; init; }
}

/// <summary>Medians over the rounds of one scenario × target; "added" = median of per-round (target − direct).</summary>
internal sealed class SummaryRow
{
    public string Scenario { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Target { get; init; } = "";

    public int Rounds { get; init; }

    public long Errors { get; init; }

    public long Waited { get; init; }

    public double ThroughputRps { get; init; }

    public double P50Us { get; init; }

    public double P90Us { get; init; }

    public double P99Us { get; init; }

    public double P999Us { get; init; }

    public double MaxUs { get; init; }

    public double? AddedP50Us { get; init; }

    public double? AddedP99Us { get; init; }

    public double? AddedP999Us { get; init; }

    /// <summary>Median over rounds of p99(target) / p99(direct) in the same round.</summary>
    public double? P99RatioVsDirect { get; init; }

    public double? ProxyCpuUsPerRequest { get; init; }

    /// <summary>TokenOps only: GC pause per request (µs) and collections per 1000 requests.</summary>
    public double? GcPauseUsPerRequest { get; init; }

    public double? GcsPerThousandRequests { get; init; }

    public double? AllocatedKbPerRequest { get; init; }

    /// <summary>TokenOps only: KB the last gen0/gen1 GC of the run promoted (a gen0 pause is mostly copying survivors).</summary>
    public double? PromotedKbLastGc { get; init; }

    public double UpstreamCpuUsPerRequest { get; init; }

    public double? SendLagP99Us { get; init; }

    public double? TtfcP50Us { get; init; }

    public double? TtfcP99Us { get; init; }

    public double? AddedTtfcP50Us { get; init; }

    public double? AddedTtfcP99Us { get; init; }

    public double? GapP50Us { get; init; }

    public double? GapP99Us { get; init; }

    public double? AddedGapP50Us { get; init; }

    public double? AddedGapP99Us { get; init; }
}

/// <summary>The headline comparison per open-loop rate: TokenOps (b) against direct (a) and nginx (d).</summary>
internal sealed class RatioRow
{
    public string Scenario { get; init; } = "";

    public string Target { get; init; } = "";

    public double? AddedP99Us { get; init; }

    public double? NginxAddedP99Us { get; init; }

    /// <summary>(b)/(d): added p99 of the target over added p99 of nginx.</summary>
    public double? AddedP99RatioVsNginx { get; init; }

    /// <summary>(b)/(a): p99 through the target over p99 direct.</summary>
    public double? P99RatioVsDirect { get; init; }
}

internal sealed class GateOutcome
{
    public bool Passed { get; init; }

    public List<string> Failures { get; init; } = [];

    public List<string> Checks { get; init; } = [];
}

/// <summary>bench/baselines/gates.json.</summary>
internal sealed class GateThresholds
{
    /// <summary>Open-loop scenario the gate reads (e.g. "open-500rps").</summary>
    public string Scenario { get; init; } = "open-500rps";

    /// <summary>Target the gate judges (everything on).</summary>
    public string Target { get; init; } = "tokenops-full";

    /// <summary>Hard ceiling on the median added p99, milliseconds.</summary>
    public double MaxAddedP99Ms { get; init; } = 1.0;

    /// <summary>p99(target)/p99(direct) of a known-good run.</summary>
    public double BaselineP99RatioVsDirect { get; init; }

    /// <summary>Fail when the ratio exceeds baseline × (1 + margin).</summary>
    public double RatioMargin { get; init; } = 0.5;

    /// <summary>Optional: fail when added p99 exceeds this multiple of nginx's (null = report only).</summary>
    public double? MaxAddedP99RatioVsNginx { get; init; }

    public int MinRounds { get; init; } = 3;

    /// <summary>Noise guard: when direct's own median p99 exceeds this (ms), the machine is too loaded for an
    /// absolute sub-millisecond verdict; the absolute check is reported inconclusive and the ratio check decides.</summary>
    public double? NoiseGuardDirectP99Ms { get; init; }

    public string? Note { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(LoadTestReport))]
[JsonSerializable(typeof(GateThresholds))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
