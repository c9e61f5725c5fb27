using System.Buffers;
using TokenOps.Core.Caching;

namespace TokenOps.Proxy.Cache;

/// <summary>
/// The in-memory response cache: a byte-bounded LRU with a TTL checked on every read and swept in the
/// background, single-flight for identical requests in flight, and optional persistence.
/// </summary>
/// <remarks>
/// <para>One lock guards the map and the LRU list: every operation under it is O(1) and allocation-free for
/// lookups, so contention stays negligible at proxy rates; the expensive parts (hashing the body,
/// copying bytes to the client, persistence I/O) all happen outside it.</para>
/// <para>The GC sees no object per entry: an entry's bytes live in one native block (the C allocator's), the map holds
/// slot indices and the LRU list is threaded through an array of slot structs. A block is freed the moment its entry is
/// evicted, expires or is replaced, and the allocator hands the space to the next entry, so the process holds what the
/// bound says and no more. (Entries on the GC heap were garbage once evicted, and stayed until a full collection: at a
/// 32 MB bound, ~45 MB under a stream of unique requests.)</para>
/// <para>A hit copies the entry out (its own array, which dies young) while the slot counts it as a reader; an entry
/// removed meanwhile is retired rather than freed, and the last reader frees it. So a replay never reads freed memory,
/// and the copy happens outside the lock.</para>
/// </remarks>
public sealed partial class ResponseCache : IDisposable
{
    private const int None = -1;

    // Entries encoded up to this size go through a pooled buffer; a larger one gets an array of its own.
    private const int PooledEncodingMaxBytes = 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<CacheKey, int> _map = new();
    private readonly TimeProvider _time;
    private readonly CacheOptions _options;
    private readonly CachePersistenceWriter? _persistence;
    private readonly ITimer? _sweepTimer;
    // Blocks of removed entries that hits are still copying: block → readers left. The last reader frees the block.
    private readonly Dictionary<nint, (int Readers, EntryBlock Block)> _retired = new();
    private bool _disposed;
    private Slot[] _slots = new Slot[16];
    private int _slotCount; // slots ever handed out; those below it are live or on the free list
    private int _free = None; // free list threaded through Slot.Next
    // Head = most recently used, tail = next to evict.
    private int _head = None;
    private int _tail = None;
    private long _bytes;
    private long _nativeBytes; // live and retired blocks' lengths

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
        var now = _time.GetUtcNow().UtcTicks;
        int index;
        EntryBlock block;
        int statusCode;
        long createdAt;
        long expiresAt;
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out index))
            {
                response = null;
                return false;
            }

            ref var slot = ref _slots[index];
            if (slot.ExpiresAtTicks <= now)
            {
                Remove(index);
                _expirations++;
                _persistence?.Delete(key);
                response = null;
                return false;
            }

            Unlink(index);
            LinkFirst(index);
            slot.Readers++;
            (block, statusCode, createdAt, expiresAt) = (slot.Block, slot.StatusCode, slot.CreatedAtTicks, slot.ExpiresAtTicks);
        }

        // The copy is the hit's own (it may be replayed for seconds to a slow client); outside the lock, as the block
        // cannot be freed while this reader is counted.
        byte[] copy;
        try
        {
            CopyingForTests?.Invoke(key);
            copy = block.Unpack();
        }
        catch (InvalidDataException)
        {
            // Cannot happen short of memory corruption; a miss (the response that follows replaces the entry) is still
            // the right answer: the cache must never fail a request that works without it.
            response = null;
            return false;
        }
        finally
        {
            lock (_lock)
            {
                ReleaseReader(index, block);
            }
        }

        response = CachedResponse.FromBlob(copy, statusCode, new DateTimeOffset(createdAt, TimeSpan.Zero), new DateTimeOffset(expiresAt, TimeSpan.Zero));
        return true;
    }

    /// <summary>Stores (or replaces) an entry and evicts least recently used entries beyond the byte bound.</summary>
    public bool Store(CacheKey key, CachedResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Store(key, response.Blob, response.Blob.Length, response.StatusCode, response.CreatedAt, response.ExpiresAt, response);
    }

    /// <summary>
    /// Stores a response from its parts (the proxy's recording of a miss): encoded into a pooled buffer and packed from
    /// there, so a store makes no garbage. Only with persistence on is a <see cref="CachedResponse"/> made (the writer
    /// saves it later, on its own thread).
    /// </summary>
    public bool Store(CacheKey key, int statusCode, KeyValuePair<string, string>[] headers, ReadOnlySpan<byte> body, ReadOnlySpan<int> segmentEnds,
        DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (_persistence is not null)
        {
            return Store(key, new CachedResponse(statusCode, headers, body, segmentEnds, createdAt, expiresAt));
        }

        var length = CachedResponse.EncodedLength(headers, body.Length, segmentEnds.Length);
        // A rare huge entry gets an array of its own rather than leaving one that size in the shared pool.
        var pooled = length <= PooledEncodingMaxBytes;
        var buffer = pooled ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);
        try
        {
            CachedResponse.EncodeInto(buffer.AsSpan(0, length), headers, body, segmentEnds);
            return Store(key, buffer, length, statusCode, createdAt, expiresAt, persisted: null);
        }
        finally
        {
            if (pooled)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private bool Store(CacheKey key, byte[] encoded, int length, int statusCode, DateTimeOffset createdAt, DateTimeOffset expiresAt, CachedResponse? persisted)
    {
        if (CachedResponse.StoredBytes(length) > _options.MaxEntryBytes + CachedResponse.EntryOverheadBytes + 64 * 1024)
        {
            Interlocked.Increment(ref _notStored);
            return false;
        }

        // Packed (copied, compressed when large) before taking the lock: a large entry is megabytes of work.
        var block = EntryBlock.Pack(encoded, length);
        var size = CachedResponse.StoredBytes(block.StoredLength);
        if (size > _options.MaxBytes)
        {
            block.Free();
            Interlocked.Increment(ref _notStored);
            return false;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                block.Free();
                return false;
            }

            StoreLocked(key, statusCode, createdAt, expiresAt, size, block);
            _stores++;
            while (_bytes > _options.MaxBytes && _tail != None && _tail != _head)
            {
                var evicted = _slots[_tail].Key;
                Remove(_tail);
                _evictions++;
                _persistence?.Delete(evicted);
            }
        }

        if (persisted is not null)
        {
            _persistence?.Upsert(key, persisted);
        }

        return true;
    }

    /// <summary>Removes every entry (memory and persisted); returns how many were removed.</summary>
    public int Clear()
    {
        int count;
        lock (_lock)
        {
            count = _map.Count;
            RemoveAll();
            _slots = new Slot[16];
            _slotCount = 0;
            _free = _head = _tail = None;
        }

        _persistence?.Clear();
        return count;
    }

    /// <summary>Drops expired entries (runs on a timer; also callable from tests with a fake clock).</summary>
    public int Sweep()
    {
        var now = _time.GetUtcNow().UtcTicks;
        var removed = 0;
        lock (_lock)
        {
            var index = _tail;
            while (index != None)
            {
                var previous = _slots[index].Prev;
                if (_slots[index].ExpiresAtTicks <= now)
                {
                    var key = _slots[index].Key;
                    Remove(index);
                    _expirations++;
                    removed++;
                    _persistence?.Delete(key);
                }

                index = previous;
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

    /// <summary>Tests: runs while a hit is between its two locks (counted as a reader, copying).</summary>
    internal Action<CacheKey>? CopyingForTests { get; set; }

    /// <summary>Native memory the entries hold right now, retired blocks included (for tests and diagnostics).</summary>
    internal long NativeBytes
    {
        get
        {
            lock (_lock)
            {
                return _nativeBytes;
            }
        }
    }

    /// <summary>Frees every entry's block (a hit still copying frees its own when done); later stores are refused.</summary>
    public void Dispose()
    {
        _sweepTimer?.Dispose();
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                RemoveAll();
            }
        }

        _persistence?.Dispose();
    }

    // ------------------------------------------------------------ slots (all under _lock)

    private void StoreLocked(CacheKey key, int statusCode, DateTimeOffset createdAt, DateTimeOffset expiresAt, long size, EntryBlock block)
    {
        if (_map.TryGetValue(key, out var existing))
        {
            Remove(existing);
        }

        var index = _free;
        if (index != None)
        {
            _free = _slots[index].Next;
        }
        else
        {
            if (_slotCount == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
            }

            index = _slotCount++;
        }

        _nativeBytes += block.StoredLength;
        _slots[index] = new Slot
        {
            Key = key,
            Block = block,
            CreatedAtTicks = createdAt.UtcTicks,
            ExpiresAtTicks = expiresAt.UtcTicks,
            SizeBytes = size,
            StatusCode = statusCode,
        };
        LinkFirst(index);
        _map[key] = index;
        _bytes += size;
    }

    private void Remove(int index)
    {
        ref var slot = ref _slots[index];
        Unlink(index);
        _map.Remove(slot.Key);
        _bytes -= slot.SizeBytes;
        if (slot.Readers > 0)
        {
            // A hit is copying out of it: its last reader frees it (ReleaseReader). The address stays taken until then,
            // so no other entry can be given it meanwhile.
            _retired.Add(slot.Block.Data, (slot.Readers, slot.Block));
        }
        else
        {
            FreeBlock(slot.Block);
        }

        slot = new Slot { Next = _free };
        _free = index;
    }

    private void RemoveAll()
    {
        while (_head != None)
        {
            Remove(_head);
        }
    }

    private void ReleaseReader(int index, EntryBlock block)
    {
        if (index < _slotCount && _slots[index].Block.Data == block.Data)
        {
            _slots[index].Readers--;
            return;
        }

        // Removed while we copied (a live block's address is unique, so a reused slot never matches).
        var readers = _retired[block.Data].Readers;
        if (readers > 1)
        {
            _retired[block.Data] = (readers - 1, block);
            return;
        }

        _retired.Remove(block.Data);
        FreeBlock(block);
    }

    private void FreeBlock(EntryBlock block)
    {
        block.Free();
        _nativeBytes -= block.StoredLength;
    }

    private void LinkFirst(int index)
    {
        ref var slot = ref _slots[index];
        slot.Prev = None;
        slot.Next = _head;
        if (_head != None)
        {
            _slots[_head].Prev = index;
        }

        _head = index;
        if (_tail == None)
        {
            _tail = index;
        }
    }

    private void Unlink(int index)
    {
        ref var slot = ref _slots[index];
        if (slot.Prev != None)
        {
            _slots[slot.Prev].Next = slot.Next;
        }
        else
        {
            _head = slot.Next;
        }

        if (slot.Next != None)
        {
            _slots[slot.Next].Prev = slot.Prev;
        }
        else
        {
            _tail = slot.Prev;
        }

        slot.Prev = slot.Next = None;
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
            var block = EntryBlock.Pack(response.Blob);
            lock (_lock)
            {
                StoreLocked(CacheKey.FromHex(entry.KeyHex), response.StatusCode, response.CreatedAt, response.ExpiresAt, CachedResponse.StoredBytes(block.StoredLength), block);
                while (_bytes > _options.MaxBytes && _tail != None)
                {
                    Remove(_tail);
                }
            }
        }
    }

    /// <summary>One entry: its key, its native block, and its links in the LRU list (88 bytes, no object).</summary>
    private struct Slot
    {
        public CacheKey Key;
        public EntryBlock Block;
        public int Readers;
        public long CreatedAtTicks;
        public long ExpiresAtTicks;
        public long SizeBytes;
        public int StatusCode;
        public int Prev;
        public int Next;
    }
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
