using System.Diagnostics;
using System.Net;
using TokenOps.LoadTest.Load;
using TokenOps.LoadTest.Metrics;
using TokenOps.LoadTest.Native;

namespace TokenOps.LoadTest.Targets;

/// <summary>
/// Something the generator can send to: the upstream itself (a), TokenOps everything-on (b),
/// TokenOps minimal (c), nginx (d). Owns the process it started (if any) and stops it on dispose.
/// </summary>
internal sealed class Target : IDisposable
{
    private readonly Func<IReadOnlyList<int>> _pids;

    public Target(string key, string name, string description, IPEndPoint endPoint, string pathPrefix, Process? process, Func<IReadOnlyList<int>>? pids = null)
    {
        Key = key;
        Name = name;
        Description = description;
        EndPoint = endPoint;
        Process = process;
        _pids = pids ?? (() => process is null ? [] : [process.Id]);
        var host = endPoint.Address + ":" + endPoint.Port;
        var path = pathPrefix + "/v1/chat/completions";
        Json = new RequestTemplate(host, path, stream: false);
        Sse = new RequestTemplate(host, path, stream: true);
    }

    /// <summary>a | b | c | d.</summary>
    public string Key { get; }

    public string Name { get; }

    public string Description { get; }

    public IPEndPoint EndPoint { get; }

    public Process? Process { get; }

    public RequestTemplate Json { get; }

    public RequestTemplate Sse { get; }

    public string? LogPath { get; init; }

    /// <summary>A TokenOps daemon: its <c>/readyz</c> counters include the runtime's GC counts and pause time.</summary>
    public bool IsTokenOps { get; init; }

    /// <summary>True when this target is a proxy in front of the upstream (CPU and RSS are its own).</summary>
    public bool IsProxy => Process is not null;

    /// <summary>The processes whose CPU and memory count as the proxy's (nginx: master + workers).</summary>
    public IReadOnlyList<int> Pids() => _pids();

    public void Dispose()
    {
        if (Process is null)
        {
            return;
        }

        try
        {
            if (!Process.HasExited)
            {
                Libc.Terminate(Process.Id);
                if (!Process.WaitForExit(5_000))
                {
                    Process.Kill(entireProcessTree: true);
                    Process.WaitForExit(5_000);
                }
            }
        }
        catch (InvalidOperationException)
        {
        }

        Process.Dispose();
    }

    /// <summary>Sends one JSON and one streamed request and checks that every byte of the upstream's
    /// answer came through. Returns null when the target works, else the reason it does not.</summary>
    public string? Verify()
    {
        try
        {
            using var connection = ClientConnection.Connect(EndPoint);
            var json = Json.CreateBuffer();
            Json.Stamp(json);
            connection.Send(json);
            var outcome = connection.ReadResponse(null);
            if (outcome.Status != 200 || outcome.BodyBytes != Upstream.Payloads.JsonBody.Length)
            {
                return "JSON request: status " + outcome.Status + ", body " + outcome.BodyBytes + " bytes (expected 200 and " + Upstream.Payloads.JsonBody.Length + ")";
            }

            using var streamConnection = ClientConnection.Connect(EndPoint);
            var sse = Sse.CreateBuffer();
            Sse.Stamp(sse);
            var probe = new SseProbe();
            streamConnection.Send(sse);
            outcome = streamConnection.ReadResponse(probe);
            if (outcome.Status != 200 || probe.Events != Upstream.Payloads.SseTotalEvents || outcome.BodyBytes != Upstream.Payloads.SseBodyLength)
            {
                return "SSE request: status " + outcome.Status + ", " + probe.Events + " events, " + outcome.BodyBytes + " bytes (expected 200, " +
                       Upstream.Payloads.SseTotalEvents + " events, " + Upstream.Payloads.SseBodyLength + " bytes)";
            }

            return null;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    /// <summary>Waits until the target accepts TCP connections, or its process exits, or the timeout passes.</summary>
    public string? WaitUntilListening(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (Process is { HasExited: true })
            {
                return "process exited with code " + Process.ExitCode + TailOfLog();
            }

            try
            {
                using var probe = ClientConnection.Connect(EndPoint);
                return null;
            }
            catch (System.Net.Sockets.SocketException)
            {
                Thread.Sleep(20);
            }
        }

        return "not listening on " + EndPoint + " after " + timeout.TotalSeconds + " s" + TailOfLog();
    }

    public string TailOfLog()
    {
        if (LogPath is null || !File.Exists(LogPath))
        {
            return "";
        }

        var lines = File.ReadAllLines(LogPath);
        return lines.Length == 0 ? "" : "; log tail: " + string.Join(" | ", lines[Math.Max(0, lines.Length - 5)..]);
    }
}
