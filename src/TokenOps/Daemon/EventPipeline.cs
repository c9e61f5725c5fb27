using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TokenOps.Configuration;
using TokenOps.Core.Bus;
using TokenOps.Otlp.Configuration;
using TokenOps.Otlp.Export;
using TokenOps.Storage;

namespace TokenOps.Daemon;

/// <summary>
/// The daemon's event pipeline: the ring-buffer bus and its sinks (SQLite when <c>storage.enabled</c>, OTLP when
/// <c>otlp.enabled</c>, plus any extra sinks features register). Built when the container is built; the bus starts
/// with the host and drains on stop (stop accepting → deliver what is queued within the deadline → flush sinks).
/// A store that cannot be opened (corrupt, locked, unwritable) is logged once, clearly, and the daemon keeps
/// proxying without it: the proxy never turns a working request into a failure because of the store.
/// </summary>
internal sealed partial class EventPipeline : IHostedService, IDaemonCounterSource, IAsyncDisposable
{
    private readonly ILogger<EventPipeline> _logger;
    private readonly SqliteEventStore? _store;
    private readonly OtlpExporterSink? _otlp;
    private readonly string? _storeError;
    private int _stopped;

    public EventPipeline(TokenOpsConfig config, TimeProvider time, ILogger<EventPipeline> logger, IEnumerable<IEventSink> extraSinks)
    {
        _logger = logger;
        var sinks = new List<IEventSink>();
        if (config.Storage.Enabled)
        {
            try
            {
                _store = SqliteEventStore.Open(
                    new StoreOptions { Path = config.Storage.Path, RetentionDays = config.Storage.RetentionDays },
                    time,
                    ex => LogStoreBackgroundError(_logger, ex.Message));
                sinks.Add(_store.CreateSink());
            }
            catch (StoreUnavailableException ex)
            {
                _storeError = ex.Message;
            }
        }

        if (config.Otlp.Enabled)
        {
            _otlp = new OtlpExporterSink(OtlpComposition.CreateOptions(config), time);
            sinks.Add(_otlp);
        }

        sinks.AddRange(extraSinks);
        Bus = new EventBus(sinks, new EventBusOptions(), (sink, ex) => LogSinkError(_logger, sink, ex.Message), time);
    }

    public EventBus Bus { get; }

    public SqliteEventStore? Store => _store;

    public OtlpExporterSink? Otlp => _otlp;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_storeError is not null)
        {
            LogStoreUnavailable(_logger, _storeError);
        }

        Bus.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        if (!await Bus.StopAsync().ConfigureAwait(false))
        {
            LogDrainDeadline(_logger);
        }

        _store?.Dispose();
    }

    public void WriteCounters(IDictionary<string, long> counters)
    {
        var bus = Bus.GetCounters();
        counters["bus.published"] = bus.Published;
        counters["bus.dropped"] = bus.Dropped;
        counters["bus.capacity"] = bus.Capacity;
        foreach (var sink in bus.Sinks)
        {
            counters[$"sink.{sink.Name}.delivered"] = sink.Delivered;
            counters[$"sink.{sink.Name}.pending"] = sink.Pending;
            counters[$"sink.{sink.Name}.dropped"] = sink.Dropped;
            counters[$"sink.{sink.Name}.errors"] = sink.Errors;
        }

        if (_otlp is not null)
        {
            var status = _otlp.GetStatus();
            counters["otlp.sent_spans"] = status.SentSpans;
            counters["otlp.sent_requests"] = status.SentRequests;
            counters["otlp.failed_requests"] = status.FailedRequests;
            counters["otlp.retries"] = status.Retries;
            counters["otlp.dropped_spans"] = status.DroppedSpans;
            counters["otlp.queued_spans"] = status.QueuedSpans;
        }
    }

    public void WriteDetails(IDictionary<string, string> details)
    {
        if (_storeError is not null)
        {
            details["store.error"] = _storeError;
        }

        foreach (var sink in Bus.GetCounters().Sinks)
        {
            if (sink.LastError is { } error)
            {
                details[$"sink.{sink.Name}.last_error"] = error;
            }
        }

        if (_otlp?.GetStatus() is { } otlp)
        {
            details["otlp.endpoint"] = otlp.TracesEndpoint;
            if (otlp.LastError is { } lastError)
            {
                details["otlp.last_error"] = $"{lastError} ({otlp.LastErrorAt:u})";
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_otlp is not null)
        {
            await _otlp.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Error, Message = "Event store unavailable, running without it (requests are still proxied): {Reason}")]
    private static partial void LogStoreUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Event store background task failed: {Reason}")]
    private static partial void LogStoreBackgroundError(ILogger logger, string reason);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Event sink {Sink} failed a batch: {Reason}")]
    private static partial void LogSinkError(ILogger logger, string sink, string reason);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Event bus did not drain before the shutdown deadline; undelivered events were counted as dropped")]
    private static partial void LogDrainDeadline(ILogger logger);
}
