namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// Guards every call into an <see cref="IResponseTap"/>: a tap that throws is completed with success=false at
/// once (so it releases what it holds, e.g. a cache single-flight, and never stores a partial body), counted,
/// and not called again. <see cref="IResponseTap.OnCompleted"/> reaches the tap exactly once.
/// Only exchanges whose interceptor asked for a tap (a cache miss) allocate one.
/// </summary>
internal sealed class ResponseTapGuard
{
    private readonly IResponseTap _tap;
    private readonly ForwarderCounters _counters;
    private bool _done;

    public ResponseTapGuard(IResponseTap tap, ForwarderCounters counters)
    {
        _tap = tap;
        _counters = counters;
    }

    public void Start(int statusCode, HttpResponseMessage response)
    {
        if (_done)
        {
            return;
        }

        try
        {
            _tap.OnResponseStart(statusCode, response);
        }
        catch (Exception)
        {
            Fail();
        }
    }

    public void Body(ReadOnlySpan<byte> chunk)
    {
        if (_done)
        {
            return;
        }

        try
        {
            _tap.OnResponseBody(chunk);
        }
        catch (Exception)
        {
            Fail();
        }
    }

    public void Complete(bool success)
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            _tap.OnCompleted(success);
        }
        catch (Exception)
        {
            _counters.ObserverFailed();
        }
    }

    private void Fail()
    {
        _counters.ObserverFailed();
        Complete(success: false);
    }
}
