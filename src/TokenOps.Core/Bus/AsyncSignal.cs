using System.Threading.Tasks.Sources;

namespace TokenOps.Core.Bus;

/// <summary>
/// A reusable, allocation-free, single-waiter signal (IValueTaskSource) for a consumer loop to sleep on.
/// <see cref="ManualResetValueTaskSourceCore{TResult}.RunContinuationsAsynchronously"/> is on: the producer
/// that sets it only queues the consumer's continuation, it never runs the sink's batch on a request thread.
/// Protocol: the waiter calls <see cref="Reset"/> before <see cref="WaitAsync"/>; exactly one <see cref="Set"/>
/// per reset (the caller guarantees it, see SinkChannel's waiting flag).
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    public void Reset() => _core.Reset();

    public void Set() => _core.SetResult(true);

    public ValueTask WaitAsync() => new(this, _core.Version);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
