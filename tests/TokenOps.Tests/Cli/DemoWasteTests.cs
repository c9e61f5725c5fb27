using System.Text.Json;
using TokenOps.Cli;
using TokenOps.Configuration;
using TokenOps.Daemon;
using TokenOps.Insights;
using TokenOps.Testing.Time;

namespace TokenOps.Tests.Cli;

/// <summary><c>tokenops demo</c> into a real temp store, then <c>waste</c>/<c>coach --include-demo</c>: the demo must show the detector at work.</summary>
public sealed class DemoWasteTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 18, 0, 0, TimeSpan.Zero);
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Demo_ThenWasteIncludeDemo_FindsSeveralRulesWithDollarsSaved()
    {
        var options = await SeedDemoAsync(days: 14);

        var (code, json) = Run(new WasteCommands(options), static c => c.Waste(since: "7d", includeDemo: true, json: true));

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(json);
        var savedByKind = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var f in doc.RootElement.GetProperty("findings").EnumerateArray())
        {
            var kind = f.GetProperty("kind").GetString()!;
            savedByKind[kind] = savedByKind.GetValueOrDefault(kind) + f.GetProperty("estimated_usd_saved").GetDecimal();
        }

        string[] expected =
        [
            "runaway_context_growth", "prompt_cache_missed", "agent_loop", "output_truncated", "expensive_model_trivial",
            "repeated_request", "unused_tools", "oversized_context",
        ];
        Assert.All(expected, kind => Assert.True(savedByKind.GetValueOrDefault(kind) > 0, $"{kind}: {savedByKind.GetValueOrDefault(kind)} USD saved"));
        Assert.Contains("retry_storm", savedByKind.Keys); // 429s are not billed: tokens re-sent, no dollars
    }

    [Fact]
    public async Task Demo_WithoutIncludeDemo_ReportsNothing_AndCoachRecommendsWithIt()
    {
        var options = await SeedDemoAsync(days: 3);

        var (_, withoutDemo) = Run(new WasteCommands(options), static c => c.Waste(json: true));
        var (code, coach) = Run(new WasteCommands(options), static c => c.Coach(includeDemo: true, json: true));

        using (var doc = JsonDocument.Parse(withoutDemo))
        {
            Assert.Equal(0, doc.RootElement.GetProperty("findings").GetArrayLength());
        }

        Assert.Equal(0, code);
        using var report = JsonDocument.Parse(coach);
        Assert.Equal(3, report.RootElement.GetProperty("recommendations").GetArrayLength());
        Assert.True(report.RootElement.GetProperty("projected_monthly_usd").GetDecimal() > 0);
    }

    [Fact]
    public async Task Demo_SameSeedAndClock_SameFindings()
    {
        var first = await SeedDemoAsync(days: 2);
        var (_, a) = Run(new WasteCommands(first), static c => c.Waste(includeDemo: true, json: true));
        using var other = new TempHome();
        var second = await SeedDemoAsync(days: 2, other.Path);
        var (_, b) = Run(new WasteCommands(second), static c => c.Waste(includeDemo: true, json: true));

        Assert.Equal(a, b);
    }

    private async Task<InsightsOptions> SeedDemoAsync(int days, string? home = null)
    {
        home ??= _home.Path;
        var config = TokenOpsConfig.CreateDefault(home) with
        {
            Storage = new StorageConfig { Enabled = true, Path = Path.Combine(home, "events.db"), RetentionDays = 36_500 },
        };
        var options = InsightsComposition.Create(config) with { TimeZone = TimeZoneInfo.Utc, Time = new ManualTimeProvider(Now) };
        var demo = new SpendCommands(options) { Out = new StringWriter(), Error = new StringWriter() };
        Assert.Equal(0, await demo.Demo(days: days));
        return options;
    }

    private static (int Code, string Out) Run(WasteCommands commands, Func<WasteCommands, int> run)
    {
        var output = new StringWriter { NewLine = "\n" };
        commands.Out = output;
        commands.Error = new StringWriter();
        return (run(commands), output.ToString());
    }
}
