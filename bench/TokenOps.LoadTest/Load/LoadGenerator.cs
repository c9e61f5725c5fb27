using System.Diagnostics;
using System.Net.Sockets;
using TokenOps.LoadTest.Metrics;
using TokenOps.LoadTest.Native;
using TokenOps.LoadTest.Targets;

namespace TokenOps.LoadTest.Load;

/// <summary>
/// Drives one <see cref="Scenario"/> against one <see cref="Target"/>. Every connection has its own
/// thread blocked in recv(2) and its own histograms (merged at the end), so recording is contention-free
/// and a completion is timestamped the moment the kernel hands over the last byte.
/// </summary>
internal static class LoadGenerator
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    public static RunResult Run(Scenario scenario, Target target, int openLoopConnections, int upstreamPid)
    {
        var result = new RunResult { Scenario = scenario.Name, Target = target.Name };
        var proxyPids = target.Pids();
        var proxyCpuBefore = ProcessStats.CpuMicros(proxyPids);
        var upstreamCpuBefore = ProcessStats.CpuMicros(upstreamPid);
        var selfCpuBefore = ProcessStats.CpuMicros(Environment.ProcessId);
        var gcBefore = target.IsTokenOps ? DaemonCounters.ReadGc(target.EndPoint) : null;

        switch (scenario.Kind)
        {
            case ScenarioKind.OpenLoop:
                RunOpenLoop(scenario, target, openLoopConnections, result);
                break;
            case ScenarioKind.ClosedLoop:
                RunClosedLoop(scenario, target, target.Json, result);
                break;
            case ScenarioKind.Sse:
                RunClosedLoop(scenario, target, target.Sse, result);
                break;
        }

        var completed = Math.Max(1, result.Completed);
        if (target.IsProxy)
        {
            result.ProxyCpuMicrosPerRequest = (ProcessStats.CpuMicros(target.Pids()) - proxyCpuBefore) / completed;
            (result.ProxyRssKb, result.ProxyPeakRssKb) = ProcessStats.Memory(target.Pids());
        }

        if (gcBefore is { } before && DaemonCounters.ReadGc(target.EndPoint) is { } after)
        {
            result.GcPauseMicrosPerRequest = (after.PauseMicros - before.PauseMicros) / (double)completed;
            result.GcsPerThousandRequests = (after.Collections - before.Collections) * 1000.0 / completed;
            result.AllocatedBytesPerRequest = (after.AllocatedBytes - before.AllocatedBytes) / (double)completed;
            result.PromotedBytesLastGc = after.LastEphemeralPromotedBytes;
        }

        result.UpstreamCpuMicrosPerRequest = (ProcessStats.CpuMicros(upstreamPid) - upstreamCpuBefore) / completed;
        result.GeneratorCpuMicrosPerRequest = (ProcessStats.CpuMicros(Environment.ProcessId) - selfCpuBefore) / completed;
        return result;
    }

    // ---------------------------------------------------------------- open loop

    /// <summary>
    /// Open loop (the wrk2 / HdrHistogram "constant throughput" model): request i is due at
    /// start + i/rate whatever happened before, and its latency is completion − that intended time, so a
    /// stall that delays later sends is charged to every request it delayed (no coordinated omission).
    /// </summary>
    private static void RunOpenLoop(Scenario scenario, Target target, int connectionCount, RunResult result)
    {
        var template = target.Json;
        var slots = new OpenSlot[connectionCount];
        var idle = new Stack<int>(connectionCount);
        var idleLock = new object();
        var stopping = 0;
        var traceDir = Environment.GetEnvironmentVariable(TraceDirVariable);
        for (var i = 0; i < connectionCount; i++)
        {
            slots[i] = new OpenSlot(ClientConnection.Connect(target.EndPoint, receiveTimeoutMs: 0), template.CreateBuffer());
            if (!string.IsNullOrEmpty(traceDir))
            {
                slots[i].Trace = [];
            }

            idle.Push(i);
        }

        void Worker(object? state)
        {
            var slot = slots[(int)state!];
            while (Volatile.Read(ref stopping) == 0)
            {
                var connection = slot.Connection;
                try
                {
                    var outcome = connection.ReadResponse(null);
                    var done = Stopwatch.GetTimestamp();
                    var intended = Volatile.Read(ref slot.IntendedTicks);
                    slot.Completed++;
                    var ok = outcome.Status == 200 && outcome.BodyBytes == Upstream.Payloads.JsonBody.Length;
                    if (slot.Measured)
                    {
                        if (ok)
                        {
                            slot.Latency.RecordTicks(done - intended);
                            slot.MeasuredCount++;
                            slot.Trace?.Add((intended, Volatile.Read(ref slot.SentTicks), done));
                        }
                        else
                        {
                            slot.Errors++;
                            slot.FirstError ??= "status " + outcome.Status + ", " + outcome.BodyBytes + " body bytes";
                        }
                    }

                    if (outcome.ConnectionClose)
                    {
                        slot.Reconnects++;
                        Reconnect(slot, target);
                    }
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                {
                    if (Volatile.Read(ref stopping) != 0)
                    {
                        return;
                    }

                    if (slot.Measured)
                    {
                        slot.Errors++;
                        slot.FirstError ??= e.GetType().Name + ": " + e.Message;
                    }

                    slot.Reconnects++;
                    if (!TryReconnect(slot, target))
                    {
                        return; // this slot is gone; the dispatcher never gets it back
                    }
                }

                lock (idleLock)
                {
                    idle.Push(slot.Index);
                }
            }
        }

        var threads = new Thread[connectionCount];
        for (var i = 0; i < connectionCount; i++)
        {
            slots[i].Index = i;
            threads[i] = new Thread(Worker, 256 * 1024) { IsBackground = true, Name = "open-" + i };
            threads[i].Start(i);
        }

        // Dispatcher: this thread, fine timer slack, sleeps until each send time.
        Libc.UseFineTimerSlack();
        var frequency = (double)Stopwatch.Frequency;
        var period = frequency / scenario.Rate;
        var start = Stopwatch.GetTimestamp() + (long)(frequency * 0.01);
        var measureStart = start + (long)(scenario.Warmup.TotalSeconds * frequency);
        var end = measureStart + (long)(scenario.Duration.TotalSeconds * frequency);
        long waited = 0;
        for (long i = 0; ; i++)
        {
            var intended = start + (long)(i * period);
            if (intended >= end)
            {
                break;
            }

            Libc.SleepUntil(intended);
            int index;
            var hadToWait = false;
            while (true)
            {
                lock (idleLock)
                {
                    if (idle.TryPop(out index))
                    {
                        break;
                    }
                }

                hadToWait = true;
                Libc.ShortSleep(20);
                if (Stopwatch.GetTimestamp() > end + (long)(DrainTimeout.TotalSeconds * frequency))
                {
                    index = -1;
                    break;
                }
            }

            if (index < 0)
            {
                break; // every connection is stuck; the drain below reports them
            }

            var measured = intended >= measureStart;
            if (hadToWait && measured)
            {
                waited++;
            }

            var slot = slots[index];
            template.Stamp(slot.Request);
            slot.Measured = measured;
            Volatile.Write(ref slot.IntendedTicks, intended);
            var sent = Stopwatch.GetTimestamp();
            Volatile.Write(ref slot.SentTicks, sent);
            if (measured)
            {
                result.SendLag.RecordTicks(sent - intended);
            }

            try
            {
                slot.Connection.Send(slot.Request);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The worker sees the broken socket on its read, counts the error and reconnects.
                _ = e;
            }
        }

        // Drain: wait until every live slot is idle again (or give up and count the stragglers as errors).
        var drainDeadline = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * frequency);
        while (Stopwatch.GetTimestamp() < drainDeadline)
        {
            int idleNow;
            lock (idleLock)
            {
                idleNow = idle.Count;
            }

            var alive = 0;
            foreach (var t in threads)
            {
                alive += t.IsAlive ? 1 : 0;
            }

            if (idleNow >= alive)
            {
                break;
            }

            Thread.Sleep(5);
        }

        var stragglers = 0;
        lock (idleLock)
        {
            var isIdle = new bool[connectionCount];
            foreach (var i in idle)
            {
                isIdle[i] = true;
            }

            for (var i = 0; i < connectionCount; i++)
            {
                if (!isIdle[i] && threads[i].IsAlive)
                {
                    stragglers++;
                }
            }
        }

        Volatile.Write(ref stopping, 1);
        foreach (var slot in slots)
        {
            slot.Connection.Dispose();
        }

        foreach (var thread in threads)
        {
            thread.Join(5_000);
        }

        foreach (var slot in slots)
        {
            result.Latency.Add(slot.Latency);
            result.Measured += slot.MeasuredCount;
            result.Completed += slot.Completed;
            result.Errors += slot.Errors;
            result.Reconnects += slot.Reconnects;
            result.FirstError ??= slot.FirstError;
        }

        result.Errors += stragglers;
        if (stragglers > 0)
        {
            result.FirstError ??= stragglers + " requests never answered";
        }

        if (!string.IsNullOrEmpty(traceDir))
        {
            WriteTrace(traceDir, scenario, target, slots);
        }

        result.Waited = waited;
        result.ThroughputRps = result.Measured / scenario.Duration.TotalSeconds;
    }

    /// <summary>
    /// Diagnostics: with <c>TOKENOPS_LOADTEST_TRACE_DIR</c> set, every open-loop run writes one line per measured request
    /// (intended send, actual send, last byte received: CLOCK_MONOTONIC nanoseconds, the clock of
    /// <c>perf record -k CLOCK_MONOTONIC</c>), so slow requests can be lined up with a scheduler trace.
    /// </summary>
    public const string TraceDirVariable = "TOKENOPS_LOADTEST_TRACE_DIR";

    private static void WriteTrace(string dir, Scenario scenario, Target target, OpenSlot[] slots)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{scenario.Name}-{target.Name}-{DateTime.UtcNow:HHmmss.fff}.tsv");
        using var writer = new StreamWriter(path);
        var toNanos = 1e9 / Stopwatch.Frequency;
        writer.WriteLine("intended_ns\tsent_ns\tdone_ns");
        foreach (var (intended, sent, done) in slots.SelectMany(s => s.Trace!).OrderBy(t => t.Intended))
        {
            writer.WriteLine($"{(long)(intended * toNanos)}\t{(long)(sent * toNanos)}\t{(long)(done * toNanos)}");
        }
    }

    private static void Reconnect(OpenSlot slot, Target target)
    {
        slot.Connection.Dispose();
        slot.Connection = ClientConnection.Connect(target.EndPoint, receiveTimeoutMs: 0);
    }

    private static bool TryReconnect(OpenSlot slot, Target target)
    {
        try
        {
            Reconnect(slot, target);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // ---------------------------------------------------------------- closed loop (JSON or SSE)

    /// <summary>
    /// Closed loop: each of <see cref="Scenario.Concurrency"/> connections sends its next request as soon
    /// as the previous one completed. Measures throughput (completions inside the window / window) and
    /// per-request latency; for SSE also time to first event and the inter-event gaps.
    /// </summary>
    private static void RunClosedLoop(Scenario scenario, Target target, RequestTemplate template, RunResult result)
    {
        var frequency = (double)Stopwatch.Frequency;
        var workers = new ClosedWorker[scenario.Concurrency];
        var start = Stopwatch.GetTimestamp() + (long)(frequency * 0.01);
        var measureStart = start + (long)(scenario.Warmup.TotalSeconds * frequency);
        var end = measureStart + (long)(scenario.Duration.TotalSeconds * frequency);
        var threads = new Thread[workers.Length];
        for (var i = 0; i < workers.Length; i++)
        {
            var worker = workers[i] = new ClosedWorker(template, target, template.Stream ? new SseProbe() : null);
            threads[i] = new Thread(() => worker.Run(start, measureStart, end), 256 * 1024) { IsBackground = true, Name = "closed-" + i };
        }

        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            if (!thread.Join(scenario.Warmup + scenario.Duration + DrainTimeout + TimeSpan.FromSeconds(30)))
            {
                result.Errors++;
                result.FirstError ??= "a closed-loop worker did not finish";
            }
        }

        foreach (var worker in workers)
        {
            result.Latency.Add(worker.Latency);
            result.Measured += worker.MeasuredCount;
            result.Completed += worker.Completed;
            result.Errors += worker.Errors;
            result.Reconnects += worker.Reconnects;
            result.FirstError ??= worker.FirstError;
            if (worker.Probe is { } probe)
            {
                result.EventGaps.Add(probe.Gaps);
                result.TimeToFirstEvent.Add(worker.TimeToFirstEvent);
            }
        }

        result.ThroughputRps = result.Measured / scenario.Duration.TotalSeconds;
    }

    private sealed class OpenSlot(ClientConnection connection, byte[] request)
    {
        public long IntendedTicks;

        public long SentTicks;

        public List<(long Intended, long Sent, long Done)>? Trace { get; set; }

        public ClientConnection Connection { get; set; } = connection;

        public byte[] Request { get; } = request;

        public int Index { get; set; }

        public bool Measured { get; set; }

        public LatencyHistogram Latency { get; } = new();

        public long MeasuredCount { get; set; }

        public long Completed { get; set; }

        public long Errors { get; set; }

        public long Reconnects { get; set; }

        public string? FirstError { get; set; }
    }

    private sealed class ClosedWorker(RequestTemplate template, Target target, SseProbe? probe)
    {
        private readonly byte[] _request = template.CreateBuffer();

        public SseProbe? Probe { get; } = probe;

        public LatencyHistogram Latency { get; } = new();

        public LatencyHistogram TimeToFirstEvent { get; } = new();

        public long MeasuredCount { get; private set; }

        public long Completed { get; private set; }

        public long Errors { get; private set; }

        public long Reconnects { get; private set; }

        public string? FirstError { get; private set; }

        public void Run(long start, long measureStart, long end)
        {
            ClientConnection? connection = null;
            Libc.SleepUntil(start);
            try
            {
                while (Stopwatch.GetTimestamp() < end)
                {
                    try
                    {
                        connection ??= ClientConnection.Connect(target.EndPoint);
                        template.Stamp(_request);
                        var sent = Stopwatch.GetTimestamp();
                        var measured = sent >= measureStart;
                        if (Probe is not null)
                        {
                            Probe.Recording = measured;
                        }

                        connection.Send(_request);
                        var outcome = connection.ReadResponse(Probe);
                        var done = Stopwatch.GetTimestamp();
                        Completed++;
                        var ok = outcome.Status == 200 && (Probe is null
                            ? outcome.BodyBytes == Upstream.Payloads.JsonBody.Length
                            : Probe.Events == Upstream.Payloads.SseTotalEvents && outcome.BodyBytes == Upstream.Payloads.SseBodyLength);
                        if (measured && done <= end)
                        {
                            if (ok)
                            {
                                MeasuredCount++;
                                Latency.RecordTicks(done - sent);
                                if (Probe is not null)
                                {
                                    TimeToFirstEvent.RecordTicks(Probe.FirstEventTicks - sent);
                                }
                            }
                            else
                            {
                                Errors++;
                                FirstError ??= "status " + outcome.Status + ", " + outcome.BodyBytes + " body bytes" + (Probe is null ? "" : ", " + Probe.Events + " events");
                            }
                        }

                        if (outcome.ConnectionClose)
                        {
                            Reconnects++;
                            connection.Dispose();
                            connection = null;
                        }
                    }
                    catch (Exception e) when (e is IOException or SocketException)
                    {
                        Errors++;
                        Reconnects++;
                        FirstError ??= e.GetType().Name + ": " + e.Message;
                        connection?.Dispose();
                        connection = null;
                        Thread.Sleep(10);
                    }
                }
            }
            finally
            {
                connection?.Dispose();
            }
        }
    }
}
