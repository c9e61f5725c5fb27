using Microsoft.Extensions.Logging;
using TokenOps.Core.Bus;
using TokenOps.Core.Pricing;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Forwarding;

/// <summary>The optional collaborators of the forwarder, resolved once from DI, plus the completion bound.</summary>
internal sealed partial class ForwarderServices
{
    private readonly int _maxPendingCompletions;
    private readonly ILogger _logger;
    private int _pendingCompletions;

    public ForwarderServices(
        ForwarderCounters counters,
        TimeProvider timeProvider,
        ILogger logger,
        int maxPendingCompletions,
        IEventPublisher? publisher,
        IExchangeObserverFactory? observerFactory,
        IPromptCostStamper? costStamper,
        IPreForwardInterceptor[] interceptors,
        IExchangeCompletionHook[]? completionHooks = null,
        TimeSpan completionDelay = default)
    {
        Counters = counters;
        TimeProvider = timeProvider;
        _logger = logger;
        _maxPendingCompletions = maxPendingCompletions;
        Publisher = publisher;
        ObserverFactory = observerFactory;
        CostStamper = costStamper;
        Interceptors = interceptors;
        CompletionHooks = completionHooks ?? [];
        Pump = publisher is not null && completionDelay > TimeSpan.Zero ? new CompletionPump(completionDelay) : null;
    }

    /// <summary>Completes exchanges off the request path in batches; null = one thread-pool work item per exchange.</summary>
    public CompletionPump? Pump { get; }

    public ForwarderCounters Counters { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Null = minimal mode: no events are built at all.</summary>
    public IEventPublisher? Publisher { get; }

    public IExchangeObserverFactory? ObserverFactory { get; }

    public IPromptCostStamper? CostStamper { get; }

    /// <summary>Run in order before forwarding; empty when no cache/optimizer is configured.</summary>
    public IPreForwardInterceptor[] Interceptors { get; }

    /// <summary>Run off the request path for every completed exchange, after cost stamping, before publishing.</summary>
    public IExchangeCompletionHook[] CompletionHooks { get; }

    public int PendingCompletions => Volatile.Read(ref _pendingCompletions);

    public bool TryEnterCompletion()
    {
        if (Interlocked.Increment(ref _pendingCompletions) > _maxPendingCompletions)
        {
            Interlocked.Decrement(ref _pendingCompletions);
            return false;
        }

        return true;
    }

    public void ExitCompletion() => Interlocked.Decrement(ref _pendingCompletions);

    public void LogCompletionFailure(Exception exception) => LogCompletionFailed(_logger, exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Exchange completion (observer/cost/publish) failed")]
    private static partial void LogCompletionFailed(ILogger logger, Exception exception);
}
