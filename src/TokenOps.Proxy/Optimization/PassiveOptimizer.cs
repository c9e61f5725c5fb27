using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Proxy.Forwarding;

namespace TokenOps.Proxy.Optimization;

/// <summary>
/// Passive mode: an <see cref="IExchangeCompletionHook"/> (already off the request path — the client has its whole
/// response) that hands the captured request body to ONE bounded background worker, which runs the pipeline and
/// publishes each recommendation as an OptimizationEvent with decision <c>skipped</c>. The request was forwarded
/// unchanged, so passive mode adds nothing to latency; a full queue (256 requests or 8 MiB of bodies by default) drops
/// the analysis (counted), never the request.
/// </summary>
/// <remarks>
/// <para>The worker is a <see cref="DelayedWorkQueue{T}"/>: its thread wakes <see cref="GatherDelay"/> after the first queued
/// request and analyses everything queued meanwhile. An async channel reader was one thread-pool wake-up per metering
/// batch (~400/s at 1k requests/s); context switches are what the latency tail is made of on a 2-core VM.</para>
/// <para>
/// Needs the observer's captured request body (<c>PromptEvent.CapturedRequestBody</c>). When the daemon turned capture
/// on only for the optimizer (<see cref="OptimizerOptions.ScrubCapturedBodies"/>), the body is taken for analysis and
/// cleared from the event here — before the event is published — so it is never stored.</para>
/// </remarks>
internal sealed partial class PassiveOptimizer : IExchangeCompletionHook, IPassiveOptimizerStatus, IDisposable
{
    /// <summary>How long the worker gathers after the first queued request before it analyses the lot.</summary>
    public static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(10);

    private readonly OptimizationPipeline _pipeline;
    private readonly IEventPublisher? _publisher;
    private readonly OptimizerMarks _marks;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DelayedWorkQueue<Work> _queue;
    private long _dropped;
    private long _queuedBytes;
    private long _processed;
    private long _failed;

    public PassiveOptimizer(OptimizationPipeline pipeline, IEventPublisher? publisher, OptimizerMarks marks, TimeProvider time, ILogger logger)
    {
        _pipeline = pipeline;
        _publisher = publisher;
        _marks = marks;
        _time = time;
        _logger = logger;
        _queue = new DelayedWorkQueue<Work>("TokenOps optimizer", GatherDelay, Math.Max(1, pipeline.Options.PassiveQueueCapacity), Handle);
    }

    /// <summary>Requests not analysed because the queue was full.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Requests analysed (whether or not anything was recommended).</summary>
    public long Processed => Volatile.Read(ref _processed);

    public long Failed => Volatile.Read(ref _failed);

    public void OnExchangeCompleted(PromptEvent promptEvent)
    {
        var body = promptEvent.CapturedRequestBody;
        if (_pipeline.Options.ScrubCapturedBodies)
        {
            promptEvent.CapturedRequestBody = null;
            promptEvent.CapturedResponseBody = null;
        }

        if (body is null || body.Length == 0 || body.Length > _pipeline.Options.MaxBodyBytes || _marks.IsMarked(promptEvent)
            || promptEvent.ProxyError is not null || promptEvent.StatusCode >= 400 || !OptimizerInterceptor.IsChat(promptEvent.Operation))
        {
            return;
        }

        // Completion hooks run before the prompt event is published: reserving its envelope id here links the
        // recommendations (published later by the worker) to it.
        // The observer counted this body for RequestModel with the same counter: the pipeline need not count it again.
        // (Without a request model the pipeline may find one in the body, so it counts for that.)
        var knownTokens = promptEvent.RequestModel is null ? null : promptEvent.EstimatedInputTokens;
        var work = new Work(body, new OptimizationRequestHeader(promptEvent.Provider, promptEvent.Operation, promptEvent.RequestModel,
            promptEvent.SessionId, promptEvent.WorkflowId, promptEvent.AgentId, promptEvent.CredentialHash, promptEvent.PromptHash,
            promptEvent.ReserveEnvelopeId(), knownTokens));
        // Bounded in bytes as well as in count: captured bodies wait here until the worker gets to them.
        var queued = Interlocked.Add(ref _queuedBytes, body.Length);
        if ((queued > _pipeline.Options.PassiveQueueMaxBytes && queued != body.Length) || !_queue.TryEnqueue(work))
        {
            Interlocked.Add(ref _queuedBytes, -body.Length);
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Captured request bytes waiting for analysis (bounded by <see cref="OptimizerOptions.PassiveQueueMaxBytes"/>).</summary>
    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    private void Handle(Work work)
    {
        try
        {
            Analyse(work);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _failed);
            LogFailed(_logger, ex);
        }
        finally
        {
            Interlocked.Add(ref _queuedBytes, -work.Body.Length);
            Interlocked.Increment(ref _processed);
        }
    }

    private void Analyse(Work work)
    {
        // A pooled document over the captured array (no copy of the body, metadata rented): the optimizers look at its
        // elements first, and the tree built over it (only when one of them may propose), and everything they make from
        // it, lives only inside this call (recommendations carry no node).
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(work.Body.AsMemory());
        }
        catch (JsonException)
        {
            return;
        }

        using var owned = document;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var root = document.RootElement;
        var h = work.Header;
        var request = new OptimizationRequest
        {
            Provider = h.Provider,
            Operation = h.Operation,
            Model = h.Model ?? OptimizerInterceptor.JsonModel(root),
            Body = JsonObject.Create(root)!,
            BodyElement = root,
            SessionId = h.SessionId,
            WorkflowId = h.WorkflowId,
            AgentId = h.AgentId,
            CredentialHash = h.CredentialHash,
            PromptHash = h.PromptHash,
            PromptEventId = h.PromptEventId,
            InputTokens = h.InputTokens,
        };
        var outcome = _pipeline.Run(request, PipelineRunMode.Passive);
        if (_publisher is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        foreach (var recommendation in outcome.Recommendations)
        {
            _publisher.TryPublish(Envelope.ForOptimization(OptimizationPipeline.ToEvent(recommendation, request), now));
        }
    }

    /// <summary>Stops the worker after it has analysed what is queued (waits up to 2 s for that).</summary>
    public void Dispose() => _queue.Dispose();

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Passive optimizer failed on a request")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    private sealed record OptimizationRequestHeader(string Provider, string Operation, string? Model, string? SessionId,
        string? WorkflowId, string? AgentId, string? CredentialHash, string? PromptHash, string? PromptEventId, int? InputTokens);

    private sealed record Work(byte[] Body, OptimizationRequestHeader Header);
}
