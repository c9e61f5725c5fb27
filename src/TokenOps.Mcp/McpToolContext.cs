namespace TokenOps.Mcp;

/// <summary>What the tools need to answer: where the store is and how the daemon is configured.</summary>
public sealed record McpToolContext
{
    public required string Version { get; init; }

    /// <summary>Path of the SQLite event store; tools read it directly, so they work with or without a running daemon.</summary>
    public required string StorePath { get; init; }

    public bool StoreEnabled { get; init; }

    /// <summary>Base URL of the daemon's control API (http://127.0.0.1:7878), for live status.</summary>
    public required string DaemonUrl { get; init; }
}
