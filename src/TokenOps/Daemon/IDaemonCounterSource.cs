namespace TokenOps.Daemon;

/// <summary>
/// A feature's counters for <c>/readyz</c> and <c>tokenops status</c> (proxy, bus, sinks, cache...).
/// Register implementations in DI; each is asked on every <c>/readyz</c> request, so reading must be
/// cheap (volatile reads of counters the feature already keeps).
/// </summary>
internal interface IDaemonCounterSource
{
    void WriteCounters(IDictionary<string, long> counters);

    /// <summary>Named text facts for <c>status</c> (last errors, endpoints); most sources have none.</summary>
    void WriteDetails(IDictionary<string, string> details)
    {
    }
}
