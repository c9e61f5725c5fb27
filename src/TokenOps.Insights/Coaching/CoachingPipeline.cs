using System.Collections.Concurrent;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Insights.Store;
using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Coaching;

/// <summary>
/// The daemon's background coaching pipeline, off the hot path:
/// <list type="number">
/// <item>its <see cref="Sink"/> (a bus sink, own consumer loop) tracks workflows and emits WorkflowEvents;</item>
/// <item>a timer (<see cref="TimeProvider"/>) closes idle workflows — each goes to a bounded queue (full: dropped and counted,
/// never blocking) — and every <see cref="CoachingOptions.SweepInterval"/> queues a sweep of the last
/// <see cref="CoachingOptions.SweepLookback"/> in the store;</item>
/// <item>one below-normal-priority worker thread runs the <see cref="WasteDetector"/> on each item and publishes the findings
/// as CoachingEvents on the bus (the SQLite sink stores them; ids are derived from kind + evidence, so a finding seen twice is
/// published once and stored once).</item>
/// </list>
/// </summary>
public sealed class CoachingPipeline : IAsyncDisposable
{
    private const int RememberedFindings = 10_000;

    private readonly InsightsOptions _insights;
    private readonly CoachingOptions _options;
    private readonly WorkflowTracker _tracker;
    private readonly BlockingCollection<WorkItem> _queue;
    private readonly HashSet<string> _published = new(StringComparer.Ordinal);
    private readonly Queue<string> _publishedOrder = new();
    private readonly Lock _progress = new();
    private IEventPublisher? _publisher;
    private ITimer? _idleTimer;
    private ITimer? _sweepTimer;
    private Thread? _worker;
    private long _processed;
    private long _dropped;
    private long _findings;
    private long _errors;

    public CoachingPipeline(InsightsOptions insights, CoachingOptions options)
    {
        ArgumentNullException.ThrowIfNull(insights);
        ArgumentNullException.ThrowIfNull(options);
        _insights = insights;
        _options = options;
        _queue = new BlockingCollection<WorkItem>(Math.Max(1, options.QueueCapacity));
        _tracker = new WorkflowTracker(options, e => Publish(e), w => Enqueue(new WorkItem(w, null)));
    }

    /// <summary>Subscribe this to the bus: it sees every prompt event.</summary>
    public IEventSink Sink => _tracker;

    /// <summary>Work items analysed (idle workflows and sweeps).</summary>
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>Work items dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Coaching events published.</summary>
    public long FindingsPublished => Interlocked.Read(ref _findings);

    /// <summary>Analyses that failed (unreadable store...): counted, never fatal.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public int ActiveWorkflows => _tracker.ActiveCount;

    /// <summary>Starts the timers and the worker; events are published through <paramref name="publisher"/> (the bus).</summary>
    public void Start(IEventPublisher publisher)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        if (Interlocked.CompareExchange(ref _publisher, publisher, null) is not null)
        {
            throw new InvalidOperationException("The coaching pipeline is already started.");
        }

        var time = _insights.Time;
        // Check for idle workflows a few times per idle period: a workflow is closed at most idle × 1.25 after its last step.
        var check = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, _options.Workflow.IdleTimeout.Ticks / 4));
        _idleTimer = time.CreateTimer(static s => ((CoachingPipeline)s!).CheckIdle(), this, check, check);
        _sweepTimer = time.CreateTimer(static s => ((CoachingPipeline)s!).Enqueue(new WorkItem(null, ((CoachingPipeline)s!)._insights.Time.GetUtcNow())),
            this, _options.SweepInterval, _options.SweepInterval);
        _worker = new Thread(Work) { IsBackground = true, Name = "tokenops-coaching", Priority = ThreadPriority.BelowNormal };
        _worker.Start();
    }

    /// <summary>Closes idle workflows now (also called by the timer). Returns how many closed.</summary>
    public int CheckIdle() => _tracker.CloseIdle(_insights.Time.GetUtcNow());

    /// <summary>Queues a sweep of the store's last <see cref="CoachingOptions.SweepLookback"/> (also called by the timer).</summary>
    public bool RequestSweep() => Enqueue(new WorkItem(null, _insights.Time.GetUtcNow()));

    /// <summary>Waits until at least <paramref name="count"/> items were processed (tests, shutdown diagnostics).</summary>
    public async Task<bool> WaitForProcessedAsync(long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Processed < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10).ConfigureAwait(false);
        }

        return true;
    }

    public async Task StopAsync()
    {
        _idleTimer?.Dispose();
        _sweepTimer?.Dispose();
        if (!_queue.IsAddingCompleted)
        {
            _queue.CompleteAdding();
        }

        if (_worker is { } worker)
        {
            await Task.Run(() => worker.Join(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _queue.Dispose();
    }

    private bool Enqueue(WorkItem item)
    {
        try
        {
            if (_queue.TryAdd(item))
            {
                return true;
            }
        }
        catch (InvalidOperationException)
        {
            // Stopping: adding is complete.
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    private void Work()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            try
            {
                var detector = new WasteDetector(_options.Waste, _insights.RateCard, _options.Workflow);
                var findings = item.Workflow is { } workflow
                    ? detector.Detect(workflow.Steps)
                    : Sweep(detector, item.SweepAt!.Value);
                foreach (var finding in findings)
                {
                    PublishFinding(finding);
                }
            }
            catch (Exception)
            {
                // A store that is missing (storage off) or busy must not stop coaching; the next item tries again.
                Interlocked.Increment(ref _errors);
            }
            finally
            {
                Interlocked.Increment(ref _processed);
            }
        }
    }

    private List<WasteFinding> Sweep(WasteDetector detector, DateTimeOffset now)
    {
        if (!File.Exists(_insights.StorePath))
        {
            return [];
        }

        using var connection = InsightsStore.OpenReadOnly(_insights.StorePath);
        var rows = StepLoader.Load(connection, now - _options.SweepLookback, now, includeDemo: false);
        return detector.Detect(rows);
    }

    private void PublishFinding(WasteFinding finding)
    {
        lock (_progress)
        {
            if (!_published.Add(finding.Id))
            {
                return;
            }

            _publishedOrder.Enqueue(finding.Id);
            if (_publishedOrder.Count > RememberedFindings)
            {
                _published.Remove(_publishedOrder.Dequeue());
            }
        }

        if (Publish(finding.ToEnvelope()))
        {
            Interlocked.Increment(ref _findings);
        }
    }

    private bool Publish(Envelope envelope) => _publisher?.TryPublish(envelope) ?? false;

    private sealed record WorkItem(ActiveWorkflow? Workflow, DateTimeOffset? SweepAt);
}
