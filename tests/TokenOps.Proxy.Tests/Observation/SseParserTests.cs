using System.Text;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Tests.Observation;

public sealed class SseParserTests
{
    private sealed class Recorder : ISseEventSink
    {
        public List<(string Name, string Data)> Events { get; } = [];

        public void OnSseEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data) =>
            Events.Add((Encoding.Latin1.GetString(eventName), Encoding.Latin1.GetString(data)));
    }

    /// <summary>The slow, obvious reference: whole buffer, split into lines, apply the spec rules.</summary>
    internal static List<(string Name, string Data)> Reference(byte[] input, int max)
    {
        var events = new List<(string, string)>();
        var s = Encoding.Latin1.GetString(input);
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is '\r' or '\n')
            {
                lines.Add(s[start..i]);
                if (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n')
                {
                    i++;
                }

                start = i + 1;
            }
        }

        // The text after the last terminator is an incomplete line: never processed.
        var name = "";
        var data = new StringBuilder();
        bool hasData = false, overflow = false;
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                if (!overflow && hasData)
                {
                    events.Add((name, data.ToString(0, data.Length - 1)));
                }

                name = "";
                data.Clear();
                hasData = false;
                overflow = false;
                continue;
            }

            if (line.Length > max)
            {
                overflow = true;
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            if (field == "data")
            {
                hasData = true;
                if (!overflow)
                {
                    if (data.Length + value.Length + 1 > max)
                    {
                        overflow = true;
                    }
                    else
                    {
                        data.Append(value).Append('\n');
                    }
                }
            }
            else if (field == "event")
            {
                if (value.Length > 128)
                {
                    overflow = true;
                }
                else
                {
                    name = value;
                }
            }
        }

        return events;
    }

    private static List<(string Name, string Data)> Parse(byte[] input, int max, IEnumerable<byte[]> chunks)
    {
        using var parser = new SseParser(max);
        var recorder = new Recorder();
        foreach (var chunk in chunks)
        {
            parser.Feed(chunk, recorder);
        }

        return recorder.Events;
    }

    [Fact]
    public void Feed_SpecExample_MultiLineDataCommentsAndNames()
    {
        var input = Encoding.UTF8.GetBytes(": this is a comment\ndata: first\ndata:second\n\nevent: add\ndata:  two spaces\nid: 7\nretry: 10\n\ndata\n\nevent: lonely\n\ndata: tail-without-blank-line\n");
        var events = Parse(input, 1024, [input]);
        Assert.Equal([("", "first\nsecond"), ("add", " two spaces"), ("", "")], events);
    }

    [Fact]
    public void Feed_CrAtChunkEndThenLf_OneLineBreakOnly()
    {
        var events = Parse([], 1024, [Encoding.UTF8.GetBytes("data: a\r"), Encoding.UTF8.GetBytes("\n\r"), Encoding.UTF8.GetBytes("\ndata: b\r\r")]);
        Assert.Equal([("", "a"), ("", "b")], events);
    }

    [Fact]
    public void Feed_EventOverBound_SkippedAndCountedNextEventDelivered()
    {
        using var parser = new SseParser(1024);
        var recorder = new Recorder();
        parser.Feed("data: "u8, recorder);
        var big = new byte[64 * 1024];
        big.AsSpan().Fill((byte)'x');
        for (var i = 0; i < 160; i++)
        {
            parser.Feed(big, recorder); // 10 MiB line: must not be buffered
        }

        parser.Feed("\n\ndata: ok\n\n"u8, recorder);
        Assert.Equal([("", "ok")], recorder.Events);
        Assert.Equal(1, parser.EventsSkipped);
        Assert.Equal(1, parser.EventsDispatched);
    }

    [Fact]
    public void Feed_HugeEventInSmallChunks_MemoryStaysBounded()
    {
        using var parser = new SseParser(4096);
        var recorder = new Recorder();
        var chunk = Encoding.UTF8.GetBytes("data: " + new string('y', 1000) + "\n");
        parser.Feed(chunk, recorder); // warm: rent the buffers once
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            parser.Feed(chunk, recorder); // 10 MB of data lines in one event
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
        parser.Feed("\n"u8, recorder);
        Assert.Empty(recorder.Events);
        Assert.Equal(1, parser.EventsSkipped);
    }

    [Fact]
    public void Fuzz_RandomStreamsRandomChunking_MatchReferenceParser()
    {
        var random = new Random(20240611);
        string[] atoms = ["data:", "data: ", "event:", "event: ", ":", "\r", "\n", "\r\n", " ", "x", "yz", "{\"a\":1}", "id: 3", "retry", "é"];
        for (var iteration = 0; iteration < 3000; iteration++)
        {
            var sb = new StringBuilder();
            var n = random.Next(0, 60);
            for (var i = 0; i < n; i++)
            {
                sb.Append(random.Next(10) == 0 ? ((char)random.Next(0, 128)).ToString() : atoms[random.Next(atoms.Length)]);
            }

            var input = Encoding.UTF8.GetBytes(sb.ToString());
            var max = random.Next(4, 64);
            var expected = Reference(input, max);
            var sizes = new[] { random.Next(1, 8), random.Next(1, 40) };
            var actual = Parse(input, max, ObserverHarness.Chunks(input, sizes));
            Assert.True(expected.SequenceEqual(actual), $"iteration {iteration}: input {Convert.ToBase64String(input)} max {max}");
        }
    }
}
