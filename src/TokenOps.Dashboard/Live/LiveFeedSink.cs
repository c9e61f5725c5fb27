using System.Text.Json;
using System.Threading.Channels;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;

namespace TokenOps.Dashboard.Live;

/// <summary>
/// A bus sink that fans prompt events out to the dashboard's server-sent-event subscribers. It never blocks the bus: each
/// subscriber has its own bounded queue that drops its OLDEST entry when a slow browser falls behind (counted in
/// <see cref="Dropped"/>), and a batch with no subscribers costs one volatile read.
/// </summary>
public sealed class LiveFeedSink(DashboardOptions options) : IEventSink
{
    private readonly Lock _gate = new();
    private Subscription[] _subscribers = [];
    private long _dropped;
    private long _published;
    private long _seen;

    public string Name => "dashboard-live";

    /// <summary>A browser does not see 50 ms: under load the feed takes one batch per 50 ms instead of a consumer wake-up per bus wake.</summary>
    public TimeSpan BatchInterval => TimeSpan.FromMilliseconds(50);

    /// <summary>Events dropped because a subscriber's queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events handed to at least one subscriber.</summary>
    public long Published => Interlocked.Read(ref _published);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Envelopes that went through the bus so far: the dashboard's data version (its response cache keys on it).</summary>
    public long Seen => Interlocked.Read(ref _seen);

    public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Interlocked.Add(ref _seen, batch.Count);
        var subscribers = Volatile.Read(ref _subscribers);
        if (subscribers.Length == 0)
        {
            return ValueTask.CompletedTask;
        }

        var slice = CpuSlice.Start(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Prompt is { } prompt)
            {
                slice.Check();
                // Serialized once per event, shared by every subscriber.
                var payload = JsonSerializer.SerializeToUtf8Bytes(ToLive(batch[i], prompt), DashboardJsonContext.Default.LiveEvent);
                foreach (var subscriber in subscribers)
                {
                    subscriber.Offer(payload);
                }

                Interlocked.Increment(ref _published);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        Subscription[] all;
        lock (_gate)
        {
            all = _subscribers;
            _subscribers = [];
        }

        foreach (var s in all)
        {
            s.Writer.TryComplete();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Registers a subscriber; null when <see cref="DashboardOptions.MaxLiveSubscribers"/> are already connected.</summary>
    public Subscription? Subscribe()
    {
        var subscription = new Subscription(this, options.LiveQueueCapacity);
        lock (_gate)
        {
            if (_subscribers.Length >= options.MaxLiveSubscribers)
            {
                return null;
            }

            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    internal static LiveEvent ToLive(Envelope envelope, PromptEvent p) => new()
    {
        Id = envelope.Id,
        Timestamp = envelope.Timestamp,
        Source = envelope.Source,
        Provider = p.Provider,
        Model = p.ResponseModel ?? p.RequestModel,
        Operation = p.Operation,
        Stream = p.Stream,
        StatusCode = p.StatusCode,
        InputTokens = p.InputTokens,
        CachedInputTokens = p.CachedInputTokens,
        OutputTokens = p.OutputTokens,
        CostUsd = p.CostUsd,
        LatencyMs = Math.Round(p.LatencyMs, 1),
        TimeToFirstTokenMs = p.TimeToFirstTokenMs is { } t ? Math.Round(t, 1) : null,
        CacheHit = p.CacheHit,
        WorkflowId = p.WorkflowId,
        ProxyError = p.ProxyError,
    };

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, subscription);
            if (index < 0)
            {
                return;
            }

            var next = new Subscription[_subscribers.Length - 1];
            Array.Copy(_subscribers, 0, next, 0, index);
            Array.Copy(_subscribers, index + 1, next, index, next.Length - index);
            _subscribers = next;
        }
    }

    /// <summary>One SSE connection's queue of serialized events. Dispose to unsubscribe.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly LiveFeedSink _owner;
        private readonly Channel<byte[]> _channel;

        internal Subscription(LiveFeedSink owner, int capacity)
        {
            _owner = owner;
            _channel = Channel.CreateBounded<byte[]>(
                new BoundedChannelOptions(Math.Max(1, capacity))
                {
                    FullMode = BoundedChannelFullMode.DropOldest,
                    SingleReader = true,
                    SingleWriter = true, // only the sink's consumer loop writes
                },
                _ => Interlocked.Increment(ref owner._dropped));
        }

        public ChannelReader<byte[]> Reader => _channel.Reader;

        internal ChannelWriter<byte[]> Writer => _channel.Writer;

        /// <summary>Never waits: a full queue drops its oldest entry (the drop callback counts it).</summary>
        internal void Offer(byte[] payload) => _channel.Writer.TryWrite(payload);

        public void Dispose()
        {
            _owner.Remove(this);
            _channel.Writer.TryComplete();
        }
    }
}
