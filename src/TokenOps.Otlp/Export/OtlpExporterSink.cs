using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Threading.Channels;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Otlp.Configuration;
using TokenOps.Otlp.Encoding;
using TokenOps.Otlp.Mapping;

namespace TokenOps.Otlp.Export;

/// <summary>
/// The OTLP/HTTP exporter as a bus sink.
/// <para>
/// The bus calls <see cref="WriteBatchAsync"/> from its consumer loop; that call only maps envelopes to span /
/// log records, updates the cumulative metrics and enqueues — it never does I/O and never waits, so the bus is
/// never held up by a slow or dead collector. A background export loop owns the network: it encodes, POSTs,
/// and retries a failed request (429/502/503/504 and connection errors, per the OTLP spec's retryable set —
/// https://opentelemetry.io/docs/specs/otlp/#retryable-response-codes) with exponential backoff and ±20%
/// jitter, honoring Retry-After (seconds or HTTP date), until <see cref="OtlpOptions.MaxRetryElapsed"/>; then
/// the batch is dropped and counted. The queue of pending batches is bounded
/// (<see cref="OtlpOptions.MaxQueuedBatches"/>): when the collector is down for long the OLDEST batch is dropped
/// and counted, so what finally arrives is the most recent telemetry.
/// </para>
/// <para>
/// Metrics are cumulative and sent at most every <see cref="OtlpOptions.MetricsInterval"/> when something
/// changed; a failed metrics export is not queued — the next snapshot carries the totals.
/// </para>
/// </summary>
/// <remarks>
/// Why hand-rolled rather than the OpenTelemetry .NET SDK exporter (AOT-clean, but ~7 MB): the SDK is built
/// around live Activities and its own batch processor, so our after-the-fact PromptEvents would need
/// synthesized Activities, and the queue bound / retry / drop counting we must show in <c>tokenops status</c>
/// would live inside the SDK where we cannot count them. OTLP/HTTP is small and stable; the encoders cite
/// the proto field numbers they write.
/// </remarks>
public sealed class OtlpExporterSink : IEventSink, IAsyncDisposable
{
    private readonly OtlpOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly HttpClient _http;
    private readonly EnvelopeMapper _mapper;
    private readonly MetricsAggregator _metrics;
    private readonly ResourceInfo _resource;
    private readonly Channel<ExportBatch> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly string _tracesUrl;
    private readonly string _metricsUrl;
    private readonly string _logsUrl;
    private readonly Lock _errorLock = new();

    private long _sentSpans;
    private long _sentLogs;
    private long _sentMetricPoints;
    private long _sentRequests;
    private long _failedRequests;
    private long _retries;
    private long _droppedSpans;
    private long _droppedLogs;
    private int _queuedBatches;
    private long _queuedSpans;
    private long _lastRetryDelayTicks = -1;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private DateTimeOffset? _lastSuccessAt;
    private long _metricsNotBefore;
    private int _metricsFailures;
    private int _completed;

    /// <summary>
    /// Build the sink from config. <paramref name="handler"/> is for tests (and a custom TLS setup); by default a
    /// pooled <see cref="SocketsHttpHandler"/> is used. Call <see cref="OtlpOptions.FromEnvironment()"/> first
    /// to honor OTEL_* variables.
    /// </summary>
    public OtlpExporterSink(OtlpOptions options, TimeProvider? timeProvider = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _tracesUrl = options.ResolveTracesEndpoint();
        _metricsUrl = options.ResolveMetricsEndpoint();
        _logsUrl = options.ResolveLogsEndpoint();
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler
            {
                ConnectTimeout = options.Timeout < TimeSpan.FromSeconds(10) ? options.Timeout : TimeSpan.FromSeconds(10),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AllowAutoRedirect = false,
                UseCookies = false,
            })
            : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = options.Timeout;
        _mapper = new EnvelopeMapper(options, _timeProvider);
        _metrics = new MetricsAggregator(_mapper, options.MaxMetricSeries, UnixNanos.From(_timeProvider.GetUtcNow()));
        _resource = BuildResource(options);
        _queue = Channel.CreateBounded<ExportBatch>(
            new BoundedChannelOptions(Math.Max(1, options.MaxQueuedBatches))
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            },
            OnQueueOverflow);
        _loop = options.Enabled ? Task.Run(RunAsync) : Task.CompletedTask;
    }

    public string Name => "otlp";

    /// <summary>Map, record metrics, enqueue. Never performs I/O, never waits on the collector.</summary>
    public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!_options.Enabled || batch.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var export = _mapper.Map(batch);
        _metrics.Record(batch);
        if (export.Spans.Count == 0 && export.Logs.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        Interlocked.Increment(ref _queuedBatches);
        Interlocked.Add(ref _queuedSpans, export.Spans.Count);
        if (!_queue.Writer.TryWrite(export))
        {
            // Only after shutdown began: count it as dropped rather than losing it silently.
            Interlocked.Decrement(ref _queuedBatches);
            Interlocked.Add(ref _queuedSpans, -export.Spans.Count);
            Interlocked.Add(ref _droppedSpans, export.Spans.Count);
            Interlocked.Add(ref _droppedLogs, export.Logs.Count);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Shutdown: stop accepting, let the loop drain the queue (and send final metrics) within
    /// <see cref="OtlpOptions.FlushTimeout"/>; whatever is still pending after that is dropped and counted.
    /// </summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _queue.Writer.TryComplete();
        }

        if (!_options.Enabled)
        {
            return;
        }

        try
        {
            // Wall-clock on purpose (not the injected TimeProvider): this bounds how long the process takes to
            // exit on SIGTERM, whatever clock drives the retry schedule.
            await _loop.WaitAsync(_options.FlushTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _http.Dispose();
        _stopping.Dispose();
    }

    public OtlpExporterStatus GetStatus()
    {
        var retryTicks = Interlocked.Read(ref _lastRetryDelayTicks);
        lock (_errorLock)
        {
            return new OtlpExporterStatus
            {
                Enabled = _options.Enabled,
                TracesEndpoint = _tracesUrl,
                MetricsEndpoint = _metricsUrl,
                LogsEndpoint = _logsUrl,
                Protocol = _options.Protocol == OtlpProtocol.HttpJson ? "http/json" : "http/protobuf",
                SentSpans = Interlocked.Read(ref _sentSpans),
                SentLogRecords = Interlocked.Read(ref _sentLogs),
                SentMetricPoints = Interlocked.Read(ref _sentMetricPoints),
                SentRequests = Interlocked.Read(ref _sentRequests),
                FailedRequests = Interlocked.Read(ref _failedRequests),
                Retries = Interlocked.Read(ref _retries),
                DroppedSpans = Interlocked.Read(ref _droppedSpans),
                DroppedLogRecords = Interlocked.Read(ref _droppedLogs),
                QueuedBatches = Volatile.Read(ref _queuedBatches),
                QueuedSpans = Interlocked.Read(ref _queuedSpans),
                LastError = _lastError,
                LastErrorAt = _lastErrorAt,
                LastSuccessAt = _lastSuccessAt,
                LastRetryDelay = retryTicks < 0 ? null : TimeSpan.FromTicks(retryTicks),
            };
        }
    }

    private void OnQueueOverflow(ExportBatch dropped)
    {
        Interlocked.Decrement(ref _queuedBatches);
        Interlocked.Add(ref _queuedSpans, -dropped.Spans.Count);
        Interlocked.Add(ref _droppedSpans, dropped.Spans.Count);
        Interlocked.Add(ref _droppedLogs, dropped.Logs.Count);
        RecordError("export queue full: oldest batch dropped");
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var token = _stopping.Token;
        try
        {
            while (true)
            {
                if (reader.TryRead(out var batch))
                {
                    Interlocked.Decrement(ref _queuedBatches);
                    Interlocked.Add(ref _queuedSpans, -batch.Spans.Count);
                    await DeliverAsync(batch, token).ConfigureAwait(false);
                    if (MetricsDue())
                    {
                        await SendMetricsOnceAsync(token).ConfigureAwait(false);
                    }

                    continue;
                }

                if (reader.Completion.IsCompleted)
                {
                    // Draining at shutdown: one final metrics snapshot, then stop.
                    if (_metrics.HasUnsentChanges)
                    {
                        await SendMetricsOnceAsync(token).ConfigureAwait(false);
                    }

                    return;
                }

                if (MetricsDue())
                {
                    await SendMetricsOnceAsync(token).ConfigureAwait(false);
                    continue;
                }

                if (_metrics.HasUnsentChanges)
                {
                    // Wake for new data or when the next metrics export is due, whichever comes first.
                    var wait = TimeSpan.FromTicks(Math.Max(1, Interlocked.Read(ref _metricsNotBefore) - _timeProvider.GetUtcNow().UtcTicks));
                    using var wake = CancellationTokenSource.CreateLinkedTokenSource(token);
                    var delay = Task.Delay(wait, _timeProvider, wake.Token);
                    var read = reader.WaitToReadAsync(wake.Token).AsTask();
                    await Task.WhenAny(delay, read).ConfigureAwait(false);
                    await wake.CancelAsync().ConfigureAwait(false);
                    token.ThrowIfCancellationRequested();
                }
                else
                {
                    await reader.WaitToReadAsync(token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Shutdown deadline passed: everything still queued is dropped and counted.
            while (reader.TryRead(out var left))
            {
                Interlocked.Decrement(ref _queuedBatches);
                Interlocked.Add(ref _queuedSpans, -left.Spans.Count);
                Interlocked.Add(ref _droppedSpans, left.Spans.Count);
                Interlocked.Add(ref _droppedLogs, left.Logs.Count);
            }
        }
    }

    private bool MetricsDue() =>
        _metrics.HasUnsentChanges && _timeProvider.GetUtcNow().UtcTicks >= Interlocked.Read(ref _metricsNotBefore);

    private async Task DeliverAsync(ExportBatch batch, CancellationToken token)
    {
        var json = _options.Protocol == OtlpProtocol.HttpJson;
        if (batch.Spans.Count > 0)
        {
            var body = json ? OtlpJsonEncoder.EncodeTraces(_resource, batch.Spans) : OtlpProtobufEncoder.EncodeTraces(_resource, batch.Spans);
            bool delivered;
            try
            {
                delivered = await SendWithRetryAsync(_tracesUrl, body, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Add(ref _droppedSpans, batch.Spans.Count);
                Interlocked.Add(ref _droppedLogs, batch.Logs.Count);
                throw;
            }

            Interlocked.Add(ref delivered ? ref _sentSpans : ref _droppedSpans, batch.Spans.Count);
        }

        if (batch.Logs.Count > 0)
        {
            var body = json ? OtlpJsonEncoder.EncodeLogs(_resource, batch.Logs) : OtlpProtobufEncoder.EncodeLogs(_resource, batch.Logs);
            bool delivered;
            try
            {
                delivered = await SendWithRetryAsync(_logsUrl, body, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Add(ref _droppedLogs, batch.Logs.Count);
                throw;
            }

            Interlocked.Add(ref delivered ? ref _sentLogs : ref _droppedLogs, batch.Logs.Count);
        }
    }

    /// <summary>One attempt; on failure the next attempt waits a growing backoff. Cumulative data needs no retry queue.</summary>
    private async Task SendMetricsOnceAsync(CancellationToken token)
    {
        var snapshot = _metrics.Snapshot(UnixNanos.From(_timeProvider.GetUtcNow()), out var version);
        var points = 0;
        foreach (var metric in snapshot)
        {
            points += metric.PointCount;
        }

        var body = _options.Protocol == OtlpProtocol.HttpJson
            ? OtlpJsonEncoder.EncodeMetrics(_resource, snapshot)
            : OtlpProtobufEncoder.EncodeMetrics(_resource, snapshot);
        var outcome = await SendOnceAsync(_metricsUrl, body, token).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow().UtcTicks;
        if (outcome.Success)
        {
            _metrics.MarkSent(version);
            _metricsFailures = 0;
            Interlocked.Add(ref _sentMetricPoints, points);
            Interlocked.Exchange(ref _metricsNotBefore, now + _options.MetricsInterval.Ticks);
        }
        else
        {
            var delay = outcome.RetryAfter ?? Backoff(_metricsFailures++);
            Interlocked.Exchange(ref _metricsNotBefore, now + delay.Ticks);
        }
    }

    private async Task<bool> SendWithRetryAsync(string url, byte[] body, CancellationToken token)
    {
        var started = _timeProvider.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            var outcome = await SendOnceAsync(url, body, token).ConfigureAwait(false);
            if (outcome.Success)
            {
                return true;
            }

            if (!outcome.Retryable)
            {
                return false;
            }

            var delay = outcome.RetryAfter ?? Backoff(attempt);
            if (_timeProvider.GetElapsedTime(started) + delay > _options.MaxRetryElapsed)
            {
                RecordError(outcome.Error + " (gave up after " + (attempt + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + " attempts)");
                return false;
            }

            // The timer starts before the retry is counted: whoever sees Retries go up (status, tests on a fake clock)
            // can rely on the wait already running from this instant.
            var wait = Task.Delay(delay, _timeProvider, token);
            Interlocked.Increment(ref _retries);
            Interlocked.Exchange(ref _lastRetryDelayTicks, delay.Ticks);
            await wait.ConfigureAwait(false);
        }
    }

    /// <summary>Exponential: initial × 2^attempt, capped, times a random factor in [0.8, 1.2) so many daemons do not retry in lockstep.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var baseTicks = _options.InitialBackoff.Ticks * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(baseTicks, _options.MaxBackoff.Ticks);
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromTicks((long)(capped * jitter));
    }

    private async Task<SendOutcome> SendOnceAsync(string url, byte[] body, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(_options.Protocol == OtlpProtocol.HttpJson ? "application/json" : "application/x-protobuf");
        request.Content = content;
        foreach (var (name, value) in _options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                Interlocked.Increment(ref _sentRequests);
                lock (_errorLock)
                {
                    _lastSuccessAt = _timeProvider.GetUtcNow();
                }

                return new SendOutcome(true, false, null, null);
            }

            Interlocked.Increment(ref _failedRequests);
            var error = "HTTP " + status.ToString(System.Globalization.CultureInfo.InvariantCulture) + " from " + url;
            RecordError(error);
            var retryable = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
            return new SendOutcome(false, retryable, retryable ? RetryAfterOf(response) : null, error);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !token.IsCancellationRequested))
        {
            // Connection refused/reset, DNS, TLS, or the per-request timeout: all transient from our side.
            Interlocked.Increment(ref _failedRequests);
            var error = (ex is TaskCanceledException ? "timeout" : ex.Message) + " (" + url + ")";
            RecordError(error);
            return new SendOutcome(false, true, null, error);
        }
    }

    /// <summary>Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3); a date in the past means "now".</summary>
    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - _timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private void RecordError(string error)
    {
        lock (_errorLock)
        {
            _lastError = error;
            _lastErrorAt = _timeProvider.GetUtcNow();
        }
    }

    private static ResourceInfo BuildResource(OtlpOptions options)
    {
        var assembly = typeof(OtlpExporterSink).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0)
        {
            version = version[..plus];
        }

        var attributes = new List<OtlpAttribute>
        {
            OtlpAttribute.Of("service.name", options.ServiceName),
            OtlpAttribute.Of("service.version", options.ServiceVersion ?? version),
            OtlpAttribute.Of("telemetry.sdk.name", "tokenops"),
            OtlpAttribute.Of("telemetry.sdk.language", "dotnet"),
            OtlpAttribute.Of("telemetry.sdk.version", version),
        };
        foreach (var (key, value) in options.ResourceAttributes)
        {
            if (key is "service.name" or "service.version" or "telemetry.sdk.name" or "telemetry.sdk.language" or "telemetry.sdk.version")
            {
                continue;
            }

            attributes.Add(OtlpAttribute.Of(key, value));
        }

        return new ResourceInfo(attributes, "TokenOps.Otlp", version);
    }

    private readonly record struct SendOutcome(bool Success, bool Retryable, TimeSpan? RetryAfter, string? Error);
}
