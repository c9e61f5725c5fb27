using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace TokenOps.Benchmarks.Infrastructure;

/// <summary>
/// Compares allocated bytes/op (MemoryDiagnoser — exact and deterministic, unlike time) with the budgets
/// in bench/baselines/allocations.json. Keys are <c>Class.Method</c>, optionally with the parameters
/// (<c>Class.Method(Size=1024)</c>) when one parameter value needs its own budget; the most specific key
/// wins. A benchmark without a budget fails the gate too, so a new benchmark cannot slip in unbudgeted.
/// </summary>
/// <remarks>
/// BenchmarkDotNet measures process-wide allocations (GC.GetTotalAllocatedBytes(precise: true)) over one
/// iteration, so a few hundred bytes the runtime allocates on other threads get divided by the ops in
/// that iteration. <c>noise_bytes_per_iteration</c> in the budget file bounds that: the allowed slack
/// per op is noise / ops, which is below 1 byte for anything faster than ~10 µs/op (every hot path),
/// and only matters for slow benchmarks such as hashing a 256 KB body.
/// </remarks>
internal static class AllocationGate
{
    public const int ExitBudgetExceeded = 4;

    public static int Check(IEnumerable<Summary> summaries, string budgetsPath)
    {
        var (budgets, noisePerIteration) = LoadBudgets(budgetsPath);
        var failures = new List<string>();
        var lines = new List<string>();
        var reports = 0;
        foreach (var summary in summaries)
        {
            foreach (var report in summary.Reports)
            {
                reports++;
                var (shortKey, fullKey) = Keys(report.BenchmarkCase);
                if (!report.Success)
                {
                    failures.Add(fullKey + ": the benchmark did not run successfully");
                    continue;
                }

                var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
                if (allocated is not long bytes)
                {
                    failures.Add(fullKey + ": no allocation data (is [MemoryDiagnoser] on the class?)");
                    continue;
                }

                long budget;
                if (!budgets.TryGetValue(fullKey, out budget) && !budgets.TryGetValue(shortKey, out budget))
                {
                    failures.Add($"{fullKey}: allocates {bytes} B/op but has no budget — add \"{shortKey}\": {bytes} to {budgetsPath}");
                    continue;
                }

                var operations = Math.Max(1, report.GcStats.TotalOperations);
                var slack = (long)Math.Floor((double)noisePerIteration / operations);
                var ok = bytes <= budget + slack;
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{(ok ? "ok  " : "FAIL")} {fullKey,-66} {bytes,8} B/op  budget {budget,6} (+{slack} noise, {operations} ops)"));
                if (!ok)
                {
                    failures.Add(string.Create(CultureInfo.InvariantCulture, $"{fullKey}: {bytes} B/op exceeds its budget of {budget} B/op (+{slack} B noise allowance at {operations} ops/iteration)"));
                }
            }
        }

        Console.Out.WriteLine();
        Console.Out.WriteLine("Allocation gate (" + budgetsPath + "):");
        foreach (var line in lines)
        {
            Console.Out.WriteLine("  " + line);
        }

        if (reports == 0)
        {
            failures.Add("no benchmark ran (check the --filter)");
        }

        foreach (var failure in failures)
        {
            Console.Error.WriteLine("ALLOCATION GATE FAILED: " + failure);
        }

        Console.Out.WriteLine(failures.Count == 0 ? "Allocation gate passed." : "Allocation gate failed: " + failures.Count + " problem(s).");
        return failures.Count == 0 ? 0 : ExitBudgetExceeded;
    }

    internal static (string Short, string Full) Keys(BenchmarkCase benchmark)
    {
        var shortKey = benchmark.Descriptor.Type.Name + "." + benchmark.Descriptor.WorkloadMethod.Name;
        if (benchmark.Parameters.Count == 0)
        {
            return (shortKey, shortKey);
        }

        var parameters = string.Join(", ", benchmark.Parameters.Items.Select(p => p.Name + "=" + p.ToDisplayText()));
        return (shortKey, shortKey + "(" + parameters + ")");
    }

    internal static (Dictionary<string, long> Budgets, long NoisePerIteration) LoadBudgets(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var budgets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.GetProperty("budgets").EnumerateObject())
        {
            budgets[entry.Name] = entry.Value.GetInt64();
        }

        var noise = document.RootElement.TryGetProperty("noise_bytes_per_iteration", out var n) ? n.GetInt64() : 0;
        return (budgets, noise);
    }
}
