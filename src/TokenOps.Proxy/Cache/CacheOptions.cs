namespace TokenOps.Proxy.Cache;

/// <summary>Response cache settings (config section <c>cache.*</c>).</summary>
public sealed record CacheOptions
{
    public bool Enabled { get; init; }

    /// <summary>How long an entry is served after it was stored (<c>cache.ttl</c>, default 10 min).</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Upper bound on the memory the entries occupy (each entry's native block, compressed when large, plus its slot and
    /// map entry), LRU-evicted beyond it (<c>cache.max_bytes</c>). 4 MB holds ~2,700 chat completions of ~1.5 KB, or ~400
    /// streamed replies of 500 tokens (~115 KB of SSE each, kept Brotli-compressed at ~10 KB), within the 10-minute TTL;
    /// only sustained streams of unique requests reach it, and those never hit anyway. It keeps the daemon with everything
    /// on under its 80 MB budget; raise it for long replays.
    /// </summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>The default of <see cref="MaxBytes"/> (and of the <c>cache.max_bytes</c> config key): 4 MB.</summary>
    public const long DefaultMaxBytes = 4L * 1024 * 1024;

    /// <summary>Keep entries across restarts (<c>cache.persist</c>).</summary>
    public bool Persist { get; init; }

    /// <summary>A response larger than this is never recorded (it would evict everything else).</summary>
    public long MaxEntryBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>
    /// The key needs the whole request body before forwarding, so with the cache on, request bodies up to
    /// this size are read first; a larger body is forwarded streaming and bypasses the cache.
    /// </summary>
    public int MaxRequestBodyBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Background sweep of expired entries.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(30);
}
