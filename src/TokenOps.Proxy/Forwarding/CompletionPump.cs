using TokenOps.Core.Bus;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// Runs the off-request-path half of every exchange (observer → cost → hooks → publish) on one dedicated thread
/// (a <see cref="DelayedWorkQueue{T}"/>) that wakes a short, fixed delay after the first exchange arrives and then
/// completes everything queued meanwhile.
/// </summary>
/// <remarks>
/// <para>Why not a thread-pool work item per exchange: each one is a worker wake-up (several futex syscalls on two
/// threads). Profiled at 1k requests/s on this project's 2-core VM, those hand-offs were the largest cost of metering
/// after the proxying itself. The pump wakes at most once per delay whatever the rate, and an idle daemon costs
/// nothing: the thread blocks until an exchange arrives.</para>
/// <para>A backlog (more than <see cref="BacklogToThreadPool"/> queued: huge prompts to tokenize, a burst) is not
/// left to one thread: the excess is handed to the thread pool, so both cores work on it.</para>
/// <para>Shutdown: <see cref="Drain"/> completes what is queued on the caller's thread; the daemon calls it after
/// the server has stopped and before the event bus stops accepting (see <c>CompletionPumpDrain</c>).</para>
/// </remarks>
internal sealed class CompletionPump : IDisposable
{
    public const int BacklogToThreadPool = 256;

    private readonly DelayedWorkQueue<ForwardingExchange> _queue;

    public CompletionPump(TimeSpan delay) =>
        _queue = new DelayedWorkQueue<ForwardingExchange>("TokenOps metering", delay, BacklogToThreadPool, static exchange => exchange.Execute());

    public void Enqueue(ForwardingExchange exchange)
    {
        if (!_queue.TryEnqueue(exchange))
        {
            ThreadPool.UnsafeQueueUserWorkItem(exchange, preferLocal: false); // backlog or shutdown: never lost
        }
    }

    /// <summary>Completes everything queued on the calling thread (shutdown). Returns how many were completed.</summary>
    public int Drain() => _queue.Drain();

    public void Dispose()
    {
        _queue.Dispose(TimeSpan.Zero); // stops accepting (later exchanges go to the thread pool); does not wait
        Drain(); // anything that raced the stop: completed here rather than lost
    }
}
