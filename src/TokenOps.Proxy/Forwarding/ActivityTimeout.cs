namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// One cancellation source per exchange that fires when nothing happened for the current period (first byte,
/// then idle between chunks) or when the client aborts. Activity pushes the deadline out; there is never a
/// total-duration cap. Which one fired is told apart by checking <c>HttpContext.RequestAborted</c>.
/// </summary>
/// <remarks>
/// Re-arming costs a timer update, so <see cref="Touch"/> only re-arms once a sixteenth of the period has
/// passed since the last arm: the deadline is late by at most period/16, and a 1-byte-chunked stream does not
/// hammer the timer queue.
/// </remarks>
internal sealed class ActivityTimeout : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly TimeProvider _timeProvider;
    private CancellationTokenRegistration _clientRegistration;
    private TimeSpan _period;
    private long _armedAt;
    private long _rearmAfterTicks;

    public ActivityTimeout(TimeProvider timeProvider, CancellationToken clientAborted)
    {
        _timeProvider = timeProvider;
        _cts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        _clientRegistration = clientAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cts);
    }

    public CancellationToken Token => _cts.Token;

    public bool IsCancellationRequested => _cts.IsCancellationRequested;

    /// <summary>Starts a new period (e.g. idle after headers) from now.</summary>
    public void Arm(TimeSpan period)
    {
        _period = period;
        _rearmAfterTicks = (long)(period.TotalSeconds * _timeProvider.TimestampFrequency / 16);
        Rearm();
    }

    /// <summary>Activity happened: push the deadline out by the current period.</summary>
    public void Touch()
    {
        if (_timeProvider.GetTimestamp() - _armedAt >= _rearmAfterTicks)
        {
            Rearm();
        }
    }

    private void Rearm()
    {
        _armedAt = _timeProvider.GetTimestamp();
        if (!_cts.IsCancellationRequested)
        {
            _cts.CancelAfter(_period);
        }
    }

    public void Dispose()
    {
        _clientRegistration.Dispose();
        _cts.Dispose();
    }
}
