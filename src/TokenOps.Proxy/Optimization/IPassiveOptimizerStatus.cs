namespace TokenOps.Proxy.Optimization;

/// <summary>The passive optimizer's figures (registered in passive mode): what was analysed, and what was not.</summary>
public interface IPassiveOptimizerStatus
{
    /// <summary>Requests analysed (whether or not anything was recommended).</summary>
    long Processed { get; }

    /// <summary>Requests not analysed because the queue was full (in count or in bytes).</summary>
    long Dropped { get; }

    /// <summary>Analyses that threw (logged).</summary>
    long Failed { get; }

    /// <summary>Captured request bytes waiting for analysis.</summary>
    long QueuedBytes { get; }
}
