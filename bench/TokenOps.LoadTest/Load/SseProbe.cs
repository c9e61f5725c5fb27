using TokenOps.LoadTest.Metrics;

namespace TokenOps.LoadTest.Load;

/// <summary>
/// Watches decoded body bytes of one SSE response and timestamps every event boundary ("\n\n") at the
/// moment the read that completed it returned — what an SDK iterating the stream would see.
/// Records time to first event and the gap between consecutive events (two events arriving in the
/// same read have a gap of 0: buffering shows up as a few large gaps and many zero gaps).
/// </summary>
internal sealed class SseProbe
{
    private bool _previousWasNewline;
    private long _lastEventTicks;

    public int Events { get; private set; }

    public long FirstEventTicks { get; private set; }

    /// <summary>Gaps are recorded only while this is true (warm-up streams are parsed but not recorded).</summary>
    public bool Recording { get; set; }

    public LatencyHistogram Gaps { get; } = new();

    public void Reset()
    {
        _previousWasNewline = false;
        _lastEventTicks = 0;
        Events = 0;
        FirstEventTicks = 0;
    }

    public void OnData(ReadOnlySpan<byte> data, long arrivalTicks)
    {
        while (true)
        {
            var at = data.IndexOf((byte)'\n');
            if (at < 0)
            {
                if (!data.IsEmpty)
                {
                    _previousWasNewline = false;
                }

                return;
            }

            if (at == 0 && _previousWasNewline)
            {
                OnEvent(arrivalTicks);
                _previousWasNewline = false;
            }
            else
            {
                _previousWasNewline = true;
            }

            data = data[(at + 1)..];
        }
    }

    private void OnEvent(long arrivalTicks)
    {
        Events++;
        if (Events == 1)
        {
            FirstEventTicks = arrivalTicks;
        }
        else if (Recording)
        {
            Gaps.RecordTicks(arrivalTicks - _lastEventTicks);
        }

        _lastEventTicks = arrivalTicks;
    }
}
