using System.Threading.Channels;
using TokenOps.Core.Caching;

namespace TokenOps.Proxy.Cache;

/// <summary>
/// Moves persistence I/O off the request path: stores, deletes and clears are queued (bounded; when the
/// disk cannot keep up, writes are dropped and counted — the in-memory cache stays correct) and applied
/// in order by one background loop.
/// </summary>
internal sealed class CachePersistenceWriter : IDisposable
{
    private const int QueueCapacity = 1024;
    private readonly ICachePersistence _persistence;
    private readonly Channel<Op> _queue = Channel.CreateBounded<Op>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });
    private readonly Task _loop;
    private long _dropped;
    private long _errors;

    public CachePersistenceWriter(ICachePersistence persistence)
    {
        _persistence = persistence;
        _loop = Task.Run(RunAsync);
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Errors => Interlocked.Read(ref _errors);

    public string? LastError { get; private set; }

    public void Upsert(CacheKey key, CachedResponse response) => Enqueue(new Op(OpKind.Upsert, key, response));

    public void Delete(CacheKey key) => Enqueue(new Op(OpKind.Delete, key, null));

    public void Clear() => Enqueue(new Op(OpKind.Clear, default, null));

    public void ReportError(Exception ex)
    {
        Interlocked.Increment(ref _errors);
        LastError = ex.Message;
    }

    /// <summary>Waits (bounded) until everything queued so far is written: used at shutdown and by tests.</summary>
    public bool Drain(TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new Op(OpKind.Barrier, default, null, done)))
        {
            return false;
        }

        return done.Task.Wait(timeout);
    }

    public void Dispose()
    {
        Drain(TimeSpan.FromSeconds(5));
        _queue.Writer.TryComplete();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private void Enqueue(Op op)
    {
        if (!_queue.Writer.TryWrite(op))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private async Task RunAsync()
    {
        await foreach (var op in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                switch (op.Kind)
                {
                    case OpKind.Upsert:
                        _persistence.Upsert(ToPersisted(op.Key, op.Response!));
                        break;
                    case OpKind.Delete:
                        _persistence.Delete(op.Key.ToHex());
                        break;
                    case OpKind.Clear:
                        _persistence.Clear();
                        break;
                    case OpKind.Barrier:
                        op.Done!.TrySetResult();
                        break;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A full disk or a broken file costs persistence, never the proxy.
                ReportError(ex);
            }
        }
    }

    private static PersistedCacheEntry ToPersisted(CacheKey key, CachedResponse response)
    {
        var headers = new string[response.Headers.Length * 2];
        for (var i = 0; i < response.Headers.Length; i++)
        {
            headers[2 * i] = response.Headers[i].Key;
            headers[(2 * i) + 1] = response.Headers[i].Value;
        }

        return new PersistedCacheEntry(
            key.ToHex(),
            response.StatusCode,
            headers,
            response.Body.ToArray(),
            response.SegmentEnds,
            response.CreatedAt.ToUnixTimeMilliseconds(),
            response.ExpiresAt.ToUnixTimeMilliseconds());
    }

    private enum OpKind
    {
        Upsert,
        Delete,
        Clear,
        Barrier,
    }

    private readonly record struct Op(OpKind Kind, CacheKey Key, CachedResponse? Response, TaskCompletionSource? Done = null);
}
