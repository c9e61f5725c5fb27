namespace TokenOps.Proxy.Observation;

/// <summary>Receives the events of a <see cref="SseParser"/>. Spans are only valid during the call.</summary>
internal interface ISseEventSink
{
    void OnSseEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data);
}

/// <summary>
/// A resumable push parser for <c>text/event-stream</c> (WHATWG HTML §9.2.6 "Interpreting an event
/// stream"): fed chunks split anywhere, it dispatches each complete event to a sink. Lines end with
/// CRLF, LF or CR (a CR at the end of a chunk is remembered so a following LF is not a second line);
/// <c>data:</c> lines accumulate joined by LF; <c>event:</c> sets the name; <c>:</c> lines are comments;
/// <c>id</c>/<c>retry</c> are ignored; an incomplete event at end of stream is discarded (as the spec says).
/// </summary>
/// <remarks>
/// Consumed/examined style: complete lines are processed straight from the caller's chunk; only the
/// incomplete tail of a line is copied and kept. State is just the current partial line and the current
/// event's data, both pooled and bounded by <c>maxEventBytes</c> — an event (or a line) over the bound
/// is skipped whole and counted in <see cref="EventsSkipped"/>. In the steady state a chunk costs no
/// allocation: boundaries are found with vectorized span searches.
/// </remarks>
internal sealed class SseParser(int maxEventBytes) : IDisposable
{
    private const int MaxEventNameBytes = 128;

    private readonly BoundedBuffer _line = new(maxEventBytes, 1024);
    private readonly BoundedBuffer _data = new(maxEventBytes, 4096);
    private readonly byte[] _name = new byte[MaxEventNameBytes];
    private int _nameLength;
    private bool _hasData;
    private bool _eventOverflow;
    private bool _skipLeadingLf;

    public long EventsDispatched { get; private set; }
    public long EventsSkipped { get; private set; }

    /// <summary>True when bytes of an unfinished line or event are pending (a stream cut here was truncated).</summary>
    public bool HasPartialEvent => _line.Length > 0 || _line.Overflowed || _hasData || _eventOverflow || _nameLength > 0;

    public void Feed(ReadOnlySpan<byte> chunk, ISseEventSink sink)
    {
        while (!chunk.IsEmpty)
        {
            if (_skipLeadingLf)
            {
                _skipLeadingLf = false;
                if (chunk[0] == (byte)'\n')
                {
                    chunk = chunk[1..];
                    continue;
                }
            }

            var end = chunk.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                _line.Append(chunk); // marks overflow when the line grows past the bound
                return;
            }

            var next = end + 1;
            if (chunk[end] == (byte)'\r')
            {
                if (next < chunk.Length)
                {
                    if (chunk[next] == (byte)'\n')
                    {
                        next++;
                    }
                }
                else
                {
                    _skipLeadingLf = true;
                }
            }

            if (_line.Length > 0 || _line.Overflowed)
            {
                _line.Append(chunk[..end]);
                if (_line.Overflowed)
                {
                    MarkLineOverflow();
                }
                else
                {
                    ProcessLine(_line.WrittenSpan, sink);
                }

                _line.Clear();
            }
            else
            {
                ProcessLine(chunk[..end], sink);
            }

            chunk = chunk[next..];
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line, ISseEventSink sink)
    {
        if (line.IsEmpty)
        {
            Dispatch(sink);
            return;
        }

        if (line.Length > maxEventBytes)
        {
            MarkLineOverflow();
            return;
        }

        if (line[0] == (byte)':')
        {
            return; // comment (keep-alive)
        }

        var colon = line.IndexOf((byte)':');
        var field = colon < 0 ? line : line[..colon];
        var value = colon < 0 ? default : line[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (field.SequenceEqual("data"u8))
        {
            _hasData = true;
            if (!_eventOverflow && (!_data.Append(value) || !_data.Append("\n"u8)))
            {
                _eventOverflow = true;
            }
        }
        else if (field.SequenceEqual("event"u8))
        {
            if (value.Length > MaxEventNameBytes)
            {
                _eventOverflow = true;
            }
            else
            {
                value.CopyTo(_name);
                _nameLength = value.Length;
            }
        }
    }

    private void MarkLineOverflow() => _eventOverflow = true;

    private void Dispatch(ISseEventSink sink)
    {
        if (_eventOverflow)
        {
            EventsSkipped++;
        }
        else if (_hasData)
        {
            var data = _data.WrittenSpan;
            data = data[..^1]; // drop the LF appended after the last data line
            EventsDispatched++;
            sink.OnSseEvent(_name.AsSpan(0, _nameLength), data);
        }

        // Per spec the event name resets at every dispatch, even for events without data.
        _data.Clear();
        _nameLength = 0;
        _hasData = false;
        _eventOverflow = false;
    }

    public void Dispose()
    {
        _line.Dispose();
        _data.Dispose();
    }
}
