using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TokenOps.LoadTest.Load;
using TokenOps.LoadTest.Metrics;
using TokenOps.LoadTest.Report;
using TokenOps.LoadTest.Targets;

namespace TokenOps.LoadTest;

/// <summary>
/// One measurement session: start the upstream and every available target once, then run every
/// scenario against every target in alternating rounds (round r starts with target r mod n), so slow
/// drift of a shared machine hits all targets alike; report medians over rounds and differences paired
/// by round.
/// </summary>
internal sealed class Session(Options options)
{
    public const int ExitGateFailed = 3;

    private readonly List<Target> _targets = [];
    private readonly List<TargetInfo> _targetInfos = [];
    private Process? _upstream;

    public int Run()
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var repoRoot = FindRepoRoot();
        var outDir = Path.GetFullPath(options.OutDir ?? Path.Combine(repoRoot, "bench", "results"));
        var temp = Directory.CreateTempSubdirectory("tokenops-loadtest-").FullName;
        var pinned = options.Pin && OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2 && File.Exists("/usr/bin/taskset");
        int? proxyCore = pinned ? 1 : null;
        int? generatorCore = pinned ? 0 : null;
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = false;
            Cleanup(temp);
        };

        try
        {
            if (pinned && OperatingSystem.IsLinux())
            {
                Process.GetCurrentProcess().ProcessorAffinity = 1;
            }

            var report = new LoadTestReport
            {
                StartedAt = started,
                Mode = options.Quick ? "quick" : "full",
                Machine = new MachineInfo { Cpu = CpuModel(), LoadAverageAtStart = LoadAverage() },
                Settings = new SettingsInfo
                {
                    Rates = options.Rates,
                    ClosedConcurrency = options.ClosedConcurrency,
                    SseConcurrency = options.SseConcurrency,
                    SseIntervalMicros = options.SseIntervalMicros,
                    Rounds = options.Rounds,
                    WarmupSeconds = options.Warmup.TotalSeconds,
                    DurationSeconds = options.Duration.TotalSeconds,
                    ClosedWarmupSeconds = options.ClosedWarmup.TotalSeconds,
                    ClosedDurationSeconds = options.ClosedDuration.TotalSeconds,
                    OpenLoopConnections = options.OpenLoopConnections,
                    Pinned = pinned,
                },
                Targets = _targetInfos,
            };

            (_upstream, var upstreamPort) = Launcher.StartUpstream(options.SseIntervalMicros, generatorCore);
            Log($"upstream pid {_upstream.Id} on 127.0.0.1:{upstreamPort}; temp dir {temp}");
            StartTargets(repoRoot, temp, upstreamPort, proxyCore);

            var scenarios = BuildScenarios();
            foreach (var target in _targets)
            {
                WarmUp(target);
            }

            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var scenario in scenarios)
                {
                    for (var k = 0; k < _targets.Count; k++)
                    {
                        var target = _targets[(k + round - 1) % _targets.Count];
                        var result = LoadGenerator.Run(scenario, target, options.OpenLoopConnections, _upstream.Id);
                        result.Round = round;
                        var record = Summarizer.ToRecord(result, scenario.Kind);
                        report.Runs.Add(record);
                        Log(Inv($"round {round}/{options.Rounds} {scenario.Name,-13} {target.Name,-17} n={record.Count,6} p50={record.P50Us,8:0}µs p99={record.P99Us,8:0}µs max={record.MaxUs,8:0}µs rps={record.ThroughputRps,7:0} err={record.Errors}{(record.FirstError is null ? "" : " (" + record.FirstError + ")")}"));
                        // Let background work of the previous target (SQLite batch, GC) settle before the next one.
                        Thread.Sleep(150);
                    }
                }
            }

            foreach (var target in _targets.Where(t => t.IsProxy))
            {
                var info = _targetInfos.First(i => i.Name == target.Name);
                (var rss, var peak) = ProcessStats.Memory(target.Pids());
                info.RssKb = rss;
                info.PeakRssKb = peak;
            }

            var names = _targets.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Name).ToList();
            report.Summary = Summarizer.Summarize(report.Runs, scenarios, names);
            report.Ratios = Summarizer.Ratios(report.Summary, scenarios);
            if (options.Gate)
            {
                var gatesFile = options.GatesFile ?? Path.Combine(repoRoot, "bench", "baselines", "gates.json");
                var gates = JsonSerializer.Deserialize(File.ReadAllText(gatesFile), ReportJsonContext.Default.GateThresholds)
                            ?? throw new InvalidDataException(gatesFile + " is empty");
                report.Gate = Summarizer.EvaluateGate(gates, report.Summary, _targetInfos);
            }

            report.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
            Directory.CreateDirectory(outDir);
            var markdown = MarkdownWriter.Write(report);
            File.WriteAllText(Path.Combine(outDir, "results.md"), markdown);
            File.WriteAllText(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(report, ReportJsonContext.Default.LoadTestReport));
            Console.Out.Write(markdown);
            Log("wrote " + Path.Combine(outDir, "results.md") + " and results.json");

            if (report.Gate is { Passed: false } failed)
            {
                foreach (var failure in failed.Failures)
                {
                    Console.Error.WriteLine("GATE FAILED: " + failure);
                }

                return ExitGateFailed;
            }

            return 0;
        }
        finally
        {
            Cleanup(temp);
        }
    }

    private List<Scenario> BuildScenarios()
    {
        var scenarios = new List<Scenario>();
        foreach (var rate in options.Rates)
        {
            scenarios.Add(new Scenario(Inv($"open-{rate}rps"), ScenarioKind.OpenLoop, rate, 0, options.Warmup, options.Duration));
        }

        foreach (var concurrency in options.ClosedConcurrency)
        {
            scenarios.Add(new Scenario(Inv($"closed-c{concurrency}"), ScenarioKind.ClosedLoop, 0, concurrency, options.ClosedWarmup, options.ClosedDuration));
        }

        if (options.SseConcurrency > 0)
        {
            scenarios.Add(new Scenario(Inv($"sse-c{options.SseConcurrency}"), ScenarioKind.Sse, 0, options.SseConcurrency, options.ClosedWarmup, options.ClosedDuration));
        }

        return scenarios;
    }

    private void StartTargets(string repoRoot, string temp, int upstreamPort, int? proxyCore)
    {
        Add(Launcher.Direct(upstreamPort));
        var wanted = options.Targets;
        var tokenOps = options.TokenOpsBinary ?? Environment.GetEnvironmentVariable("TOKENOPS_BIN") ?? Path.Combine(repoRoot, "aot", "out", "tokenops");
        string? Missing(string binary) => File.Exists(binary) ? null
            : "binary not found at " + binary + " (build it: dotnet publish src/TokenOps -c Release -r linux-x64 -o aot/out)";

        if (wanted.Contains('b', StringComparison.Ordinal) || wanted.Contains('c', StringComparison.Ordinal))
        {
            var binary = tokenOps;
            var missing = Missing(binary);
            if (wanted.Contains('b', StringComparison.Ordinal))
            {
                TryAdd("b", "tokenops-full", "TokenOps everything on", missing, () => Launcher.StartTokenOps("b", "tokenops-full", binary, everythingOn: true, temp, upstreamPort, proxyCore));
            }

            if (wanted.Contains('c', StringComparison.Ordinal))
            {
                TryAdd("c", "tokenops-minimal", "TokenOps forwarding only", missing, () => Launcher.StartTokenOps("c", "tokenops-minimal", binary, everythingOn: false, temp, upstreamPort, proxyCore));
            }
        }

        if (options.ExperimentEnv is not null || options.ExperimentBinary is not null)
        {
            var binary = options.ExperimentBinary ?? tokenOps;
            var missing = Missing(binary);
            var extra = new Dictionary<string, string>();
            foreach (var pair in (options.ExperimentEnv ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                extra[eq < 0 ? pair : pair[..eq]] = eq < 0 ? "" : pair[(eq + 1)..];
            }

            var name = options.ExperimentMinimal ? "experiment-minimal" : "experiment-full";
            TryAdd("e", name, "A/B experiment: " + (options.ExperimentEnv ?? binary), missing, () => Launcher.StartTokenOps("e", name, binary, everythingOn: !options.ExperimentMinimal, temp, upstreamPort, proxyCore, extra));
        }

        if (wanted.Contains('d', StringComparison.Ordinal))
        {
            var nginx = options.NoNginx ? null : Launcher.FindNginx(options.NginxPath);
            var missing = options.NoNginx ? "--no-nginx" : nginx is null ? "nginx not installed (apt-get install nginx-light)" : null;
            TryAdd("d", "nginx", "nginx reverse proxy", missing, () => Launcher.StartNginx(nginx!, temp, upstreamPort, proxyCore));
        }

        foreach (var target in _targets.ToList())
        {
            var problem = target.WaitUntilListening(TimeSpan.FromSeconds(20)) ?? target.Verify();
            var info = _targetInfos.First(i => i.Name == target.Name);
            if (problem is null)
            {
                info.Available = true;
                Log($"target ({target.Key}) {target.Name} ready on {target.EndPoint}");
                continue;
            }

            if (target.Key == "a")
            {
                throw new InvalidOperationException("the fake upstream itself fails: " + problem);
            }

            info.Reason = problem + target.TailOfLog();
            Log($"target ({target.Key}) {target.Name} SKIPPED: {info.Reason}");
            _targets.Remove(target);
            target.Dispose();
        }

        void TryAdd(string key, string name, string description, string? missing, Func<Target> start)
        {
            if (missing is not null)
            {
                _targetInfos.Add(new TargetInfo { Key = key, Name = name, Description = description, Reason = missing });
                Log($"target ({key}) {name} SKIPPED: {missing}");
                return;
            }

            Add(start());
        }

        void Add(Target target)
        {
            _targets.Add(target);
            _targetInfos.Add(new TargetInfo { Key = target.Key, Name = target.Name, Description = target.Description });
        }
    }

    /// <summary>Not recorded: fills the proxies' upstream pools, JIT/PGO of the upstream, page cache.</summary>
    private void WarmUp(Target target)
    {
        var quick = options.Quick ? 0.5 : 1.0;
        _ = LoadGenerator.Run(new Scenario("warmup", ScenarioKind.ClosedLoop, 0, 8, TimeSpan.FromSeconds(quick), TimeSpan.FromSeconds(0.1)), target, 1, _upstream!.Id);
        _ = LoadGenerator.Run(new Scenario("warmup-sse", ScenarioKind.Sse, 0, 4, TimeSpan.FromSeconds(quick / 2), TimeSpan.FromSeconds(0.1)), target, 1, _upstream!.Id);
    }

    private void Cleanup(string temp)
    {
        foreach (var target in _targets)
        {
            target.Dispose();
        }

        _targets.Clear();
        if (_upstream is { } upstream)
        {
            try
            {
                upstream.StandardInput.Close();
                if (!upstream.WaitForExit(2_000))
                {
                    upstream.Kill();
                }
            }
            catch (InvalidOperationException)
            {
            }

            upstream.Dispose();
            _upstream = null;
        }

        if (!options.KeepTemp && Directory.Exists(temp))
        {
            try
            {
                Directory.Delete(temp, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    internal static string FindRepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TokenOps.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }

    private static string? CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void Log(string message) => Console.Error.WriteLine("[loadtest] " + message);

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);
}
