using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using TokenOps.Benchmarks.Infrastructure;

// Normal use:  dotnet run -c Release --project bench/TokenOps.Benchmarks -- --filter '*'
// CI gate:     dotnet run -c Release --project bench/TokenOps.Benchmarks -- --gate [--filter '*Hash*']
//   → short in-process job, JSON export, exit 4 when any benchmark allocates more than its budget
//     in bench/baselines/allocations.json.
var repoRoot = FindRepoRoot();
var gate = args.Contains("--gate");
var budgets = Path.Combine(repoRoot, "bench", "baselines", "allocations.json");
var rest = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--gate")
    {
        continue;
    }

    if (args[i] == "--budgets" && i + 1 < args.Length)
    {
        budgets = Path.GetFullPath(args[++i]);
        continue;
    }

    rest.Add(args[i]);
}

if (gate && !rest.Contains("--filter"))
{
    rest.AddRange(["--filter", "*"]);
}

var config = ManualConfig.Create(DefaultConfig.Instance)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddExporter(JsonExporter.Full)
    .WithArtifactsPath(Path.Combine(repoRoot, "bench", "BenchmarkDotNet.Artifacts"));
if (gate)
{
    // Allocations per op are exact after warm-up and MemoryDiagnoser measures them in its own extra iteration,
    // so the timed iterations only need to warm up: no child process build, no overhead evaluation (20 idle
    // iterations per benchmark by default — most of the gate's time), two warm-ups and one short iteration.
    // Times printed in gate mode are indicative only; use the normal mode for numbers.
    config = config.AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithEvaluateOverhead(false)
        .WithWarmupCount(2)
        .WithIterationCount(1)
        .WithIterationTime(TimeInterval.FromMilliseconds(100))
        .WithId("gate"));
}

if (gate && Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") != "0")
{
    // In-process runs share this process's JIT: with tiering on, background re-compilation allocates during
    // the memory-measurement iteration. Re-run ourselves with tiering off so bytes/op are clean.
    var psi = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
    {
        psi.ArgumentList.Add(typeof(AllocationGate).Assembly.Location);
    }

    foreach (var arg in args)
    {
        psi.ArgumentList.Add(arg);
    }

    psi.Environment["DOTNET_TieredCompilation"] = "0";
    using var child = System.Diagnostics.Process.Start(psi)!;
    child.WaitForExit();
    return child.ExitCode;
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(AllocationGate).Assembly).Run([.. rest], config);
return gate ? AllocationGate.Check(summaries, budgets) : 0;

static string FindRepoRoot()
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
