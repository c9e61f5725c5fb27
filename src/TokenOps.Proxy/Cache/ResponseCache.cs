using TokenOps.Core.Caching;

namespace TokenOps.Proxy.Cache;

/// <summary>
/// The in-memory response cache: a byte-bounded LRU with a TTL checked on every read and swept in the
/// background, single-flight for identical requests in flight, and optional persistence.
/// </summary>
/// <remarks>
/// One lock guards the map and the LRU list: every operation under it is O(1) and allocation-free for
/// lookups, so contention stays negligible at proxy rates; the expensive parts (hashing the body,
/// copying bytes to the client, persistence I/O) all happen outside it.
/// </remarks>
public sealed partial class ResponseCache : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<CacheKey, LinkedListNode<Slot>> _map = new();
    // Head = most recently used, tail = next to evict.
    private readonly LinkedList<Slot> _lru = new();
    private readonly TimeProvider _time;
    private readonly CacheOptions _options;
    private readonly CachePersistenceWriter? _persistence;
    private readonly ITimer? _sweepTimer;
    private long _bytes;

    private long _hits;
    private long _misses;
    private long _bypasses;
    private long _refreshes;
    private long _stores;
    private long _evictions;
    private long _expirations;
    private long _notStored;
    private long _savedInputTokens;
    private long _savedOutputTokens;
    private decimal _savedUsd;

    public ResponseCache(CacheOptions options, TimeProvider? time = null, ICachePersistence? persistence = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        if (persistence is not null && options.Persist)
        {
            _persistence = new CachePersistenceWriter(persistence);
            LoadPersisted(persistence);
        }

        if (options.SweepInterval > TimeSpan.Zero)
        {
            _sweepTimer = _time.CreateTimer(static state => ((ResponseCache)state!).Sweep(), this, options.SweepInterval, options.SweepInterval);
        }
    }

    public CacheOptions Options => _options;

    /// <summary>Returns a live entry and marks it most recently used; an expired one is removed and missed.</summary>
    public bool TryGet(CacheKey key, out CachedResponse? response)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                if (node.Value.Response.ExpiresAt > now)
                {
                    _lru.Remove(node);
                    _lru.AddFirst(node);
                    response = node.Value.Response;
                    return true;
                }

                RemoveNode(node);
                _expirations++;
                _persistence?.Delete(key);
            }
        }

        response = null;
        return false;
    }

    /// <summary>Stores (or replaces) an entry and evicts least recently used entries beyond the byte bound.</summary>
    public bool Store(CacheKey key, CachedResponse response)
    {
        if (response.SizeBytes > _options.MaxBytes || response.SizeBytes > _options.MaxEntryBytes + CachedResponse.EntryOverheadBytes + 64 * 1024)
        {
            Interlocked.Increment(ref _notStored);
            return false;
        }

        lock (_lock)
        {
            if (_map.TryGetValue(key, out var existing))
            {
                RemoveNode(existing);
            }

            var node = _lru.AddFirst(new Slot(key, response));
            _map[key] = node;
            _bytes += response.SizeBytes;
            _stores++;
            while (_bytes > _options.MaxBytes && _lru.Last is { } last && last != node)
            {
                RemoveNode(last);
                _evictions++;
                _persistence?.Delete(last.Value.Key);
            }
        }

        _persistence?.Upsert(key, response);
        return true;
    }

    /// <summary>Removes every entry (memory and persisted); returns how many were removed.</summary>
    public int Clear()
    {
        int count;
        lock (_lock)
        {
            count = _map.Count;
            _map.Clear();
            _lru.Clear();
            _bytes = 0;
        }

        _persistence?.Clear();
        return count;
    }

    /// <summary>Drops expired entries (runs on a timer; also callable from tests with a fake clock).</summary>
    public int Sweep()
    {
        var now = _time.GetUtcNow();
        var removed = 0;
        lock (_lock)
        {
            var node = _lru.Last;
            while (node is not null)
            {
                var previous = node.Previous;
                if (node.Value.Response.ExpiresAt <= now)
                {
                    RemoveNode(node);
                    _expirations++;
                    removed++;
                    _persistence?.Delete(node.Value.Key);
                }

                node = previous;
            }
        }

        return removed;
    }

    public void CountHit() => Interlocked.Increment(ref _hits);

    public void CountMiss() => Interlocked.Increment(ref _misses);

    public void CountBypass() => Interlocked.Increment(ref _bypasses);

    public void CountRefresh() => Interlocked.Increment(ref _refreshes);

    public void CountNotStored() => Interlocked.Increment(ref _notStored);

    /// <summary>Adds what one hit saved (the original call's usage and cost) to the running totals.</summary>
    public void RecordSaved(long? inputTokens, long? outputTokens, decimal? savedUsd)
    {
        lock (_lock)
        {
            _savedInputTokens += inputTokens ?? 0;
            _savedOutputTokens += outputTokens ?? 0;
            _savedUsd += savedUsd ?? 0m;
        }
    }

    public CacheStats GetStats()
    {
        lock (_lock)
        {
            var hits = Interlocked.Read(ref _hits);
            var misses = Interlocked.Read(ref _misses);
            return new CacheStats
            {
                Enabled = _options.Enabled,
                Persist = _options.Persist,
                Entries = _map.Count,
                Bytes = _bytes,
                MaxBytes = _options.MaxBytes,
                TtlSeconds = _options.Ttl.TotalSeconds,
                Hits = hits,
                Misses = misses,
                Bypasses = Interlocked.Read(ref _bypasses),
                Refreshes = Interlocked.Read(ref _refreshes),
                Stores = _stores,
                NotStored = Interlocked.Read(ref _notStored),
                Evictions = _evictions,
                Expirations = _expirations,
                HitRatio = hits + misses == 0 ? 0 : (double)hits / (hits + misses),
                SavedInputTokens = _savedInputTokens,
                SavedOutputTokens = _savedOutputTokens,
                SavedUsd = _savedUsd,
            };
        }
    }

    public void Dispose()
    {
        _sweepTimer?.Dispose();
        _persistence?.Dispose();
    }

    private void RemoveNode(LinkedListNode<Slot> node)
    {
        _lru.Remove(node);
        _map.Remove(node.Value.Key);
        _bytes -= node.Value.Response.SizeBytes;
    }

    private void LoadPersisted(ICachePersistence persistence)
    {
        IReadOnlyList<PersistedCacheEntry> entries;
        try
        {
            entries = persistence.LoadLive(_time.GetUtcNow().ToUnixTimeMilliseconds());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A broken cache file must never stop the proxy: start empty and keep going.
            _persistence?.ReportError(ex);
            return;
        }

        foreach (var entry in entries)
        {
            var headers = new KeyValuePair<string, string>[entry.HeaderNamesAndValues.Length / 2];
            for (var i = 0; i < headers.Length; i++)
            {
                headers[i] = new(entry.HeaderNamesAndValues[2 * i], entry.HeaderNamesAndValues[(2 * i) + 1]);
            }

            var response = new CachedResponse(
                entry.StatusCode,
                headers,
                entry.Body,
                entry.SegmentEnds,
                DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedAtUnixMs),
                DateTimeOffset.FromUnixTimeMilliseconds(entry.ExpiresAtUnixMs));
            lock (_lock)
            {
                var key = CacheKey.FromHex(entry.KeyHex);
                if (_map.TryGetValue(key, out var existing))
                {
                    RemoveNode(existing);
                }

                _map[key] = _lru.AddFirst(new Slot(key, response));
                _bytes += response.SizeBytes;
                while (_bytes > _options.MaxBytes && _lru.Last is { } last)
                {
                    RemoveNode(last);
                }
            }
        }
    }

    private readonly record struct Slot(CacheKey Key, CachedResponse Response);
}

/// <summary>Snapshot of the cache for <c>tokenops cache stats</c>, <c>/api/cache/stats</c> and MCP.</summary>
public sealed record CacheStats
{
    public bool Enabled { get; init; }
    public bool Persist { get; init; }
    public int Entries { get; init; }
    public long Bytes { get; init; }
    public long MaxBytes { get; init; }
    public double TtlSeconds { get; init; }
    public long Hits { get; init; }
    public long Misses { get; init; }
    public long Bypasses { get; init; }
    public long Refreshes { get; init; }
    public long Stores { get; init; }
    public long NotStored { get; init; }
    public long Evictions { get; init; }
    public long Expirations { get; init; }
    public double HitRatio { get; init; }
    public long SavedInputTokens { get; init; }
    public long SavedOutputTokens { get; init; }
    public decimal SavedUsd { get; init; }
}
