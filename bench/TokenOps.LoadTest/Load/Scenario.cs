namespace TokenOps.LoadTest.Load;

internal enum ScenarioKind
{
    /// <summary>Requests sent on a fixed schedule; latency measured from the intended send time.</summary>
    OpenLoop,

    /// <summary>N connections each sending the next request as soon as the previous one completed.</summary>
    ClosedLoop,

    /// <summary>Closed loop of streamed (SSE) requests; time to first event and inter-event gaps.</summary>
    Sse,
}

/// <summary>One measurement: a load shape run for <see cref="Warmup"/> (discarded) then <see cref="Duration"/>.</summary>
internal sealed record Scenario(string Name, ScenarioKind Kind, int Rate, int Concurrency, TimeSpan Warmup, TimeSpan Duration);
