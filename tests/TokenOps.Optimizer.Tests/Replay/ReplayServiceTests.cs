using System.Text;
using System.Text.Json;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Insights;
using TokenOps.Insights.Replay;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Storage;
using TokenOps.Testing.Fakes;

namespace TokenOps.Optimizer.Tests.Replay;

public sealed class ReplayServiceTests : IDisposable
{
    private const string Messy = """{"model":"gpt-4o","messages":[{"role":"user","content":"Please    summarise     this    text.\n\n\n\n\nIt   is   long."}]}""";
    private const string Clean = """{"model":"gpt-4o","messages":[{"role":"user","content":"Please summarise this text.\n\nIt is long."}]}""";

    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tokenops-replay-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteEventStore _store;
    private readonly IEventSink _sink;

    public ReplayServiceTests()
    {
        Directory.CreateDirectory(_dir);
        _store = SqliteEventStore.Open(new StoreOptions { Path = Path.Combine(_dir, "events.db") });
        _sink = _store.CreateSink();
    }

    private async Task<string> AddAsync(string? body, int minute, string session = "s1", string? agent = null, string source = EventSources.Proxy)
    {
        var prompt = new PromptEvent
        {
            Provider = "openai",
            Operation = "chat",
            Method = "POST",
            Path = "/v1/chat/completions",
            RequestModel = "gpt-4o",
            ResponseModel = "gpt-4o",
            StatusCode = 200,
            InputTokens = 40,
            OutputTokens = 100,
            UsageSource = UsageSources.Provider,
            StartedAt = T0.AddMinutes(minute),
            SessionId = session,
            AgentId = agent,
            CapturedRequestBody = body is null ? null : Encoding.UTF8.GetBytes(body),
        };
        var envelope = Envelope.ForPrompt(prompt, source);
        await _sink.WriteBatchAsync([envelope], CancellationToken.None);
        return envelope.Id;
    }

    private InsightsOptions Options() => new() { StorePath = _store.Path, TimeZone = TimeZoneInfo.Utc };

    [Fact]
    public async Task Run_CapturedBodies_ExpectedSavingsPerStepAndTotal()
    {
        var first = await AddAsync(Messy, 1);
        await AddAsync(Messy, 2);
        await AddAsync(Messy, 3, session: "other");
        var service = new ReplayService(Options(), new OptimizerOptions(), _sink);

        var report = await service.RunAsync(new ReplayQuery { Session = "s1" });

        Assert.Equal(ReplayStatuses.Ok, report.Status);
        Assert.Equal(2, report.EventsReplayed);
        var before = TestBodies.Tokens("openai", TestBodies.Parse(Messy));
        var after = TestBodies.Tokens("openai", TestBodies.Parse(Clean));
        Assert.Equal(2L * before, report.TokensBefore);
        Assert.Equal(2L * after, report.TokensAfter);
        Assert.Equal(Math.Round((double)(before - after) / before, 4), report.SavingsRatio);
        // gpt-4o: $2.50/M input, $10/M output; 100 recorded output tokens per request.
        Assert.Equal(2 * ((before * 2.50m) + (100 * 10m)) / 1_000_000m, report.CostBefore);
        Assert.Equal(2 * (before - after) * 2.50m / 1_000_000m, report.UsdSaved);
        Assert.Equal(first, report.Steps[0].EventId);
        Assert.Equal(["prompt_compress"], report.Steps[0].AppliedKinds);
        var kind = Assert.Single(report.Kinds);
        Assert.Equal(("prompt_compress", 2, 2, 2L * (before - after)), (kind.Kind, kind.Recommendations, kind.Accepted, kind.TokensSaved));
        Assert.Equal(2, report.OptimizationEventsStored);

        using var queries = _store.OpenQueries();
        var stored = queries.RecentEvents(EventTypes.Optimization);
        Assert.Equal(2, stored.Count);
        Assert.All(stored, e => Assert.Equal((EventSources.Replay, OptimizationDecisions.Replay), (e.Source, e.Optimization!.Decision)));
        Assert.Contains(stored, e => e.Optimization!.PromptEventId == first);
    }

    [Fact]
    public async Task Run_NoBodies_ClearMessageNotZero()
    {
        await AddAsync(null, 1);
        await AddAsync(null, 2);
        var service = new ReplayService(Options(), new OptimizerOptions(), _sink);

        var report = await service.RunAsync(new ReplayQuery());

        Assert.Equal(ReplayStatuses.NoBodies, report.Status);
        Assert.Equal(2, report.EventsWithoutBodies);
        Assert.Contains("capture.bodies", report.Message, StringComparison.Ordinal);
        Assert.Contains("TOKENOPS_CAPTURE_BODIES=1", report.Message, StringComparison.Ordinal);
        Assert.Empty(report.Steps);
    }

    [Fact]
    public async Task Run_NothingMatches_NoEvents()
    {
        await AddAsync(Messy, 1, agent: "a1");

        var report = await new ReplayService(Options(), new OptimizerOptions()).RunAsync(new ReplayQuery { Agent = "nobody" });

        Assert.Equal(ReplayStatuses.NoEvents, report.Status);
    }

    [Fact]
    public async Task Run_SkipsReplayAndDemoSources()
    {
        await AddAsync(Messy, 1, source: EventSources.Replay);
        await AddAsync(Messy, 2, source: EventSources.Demo);

        var report = await new ReplayService(Options(), new OptimizerOptions()).RunAsync(new ReplayQuery());

        Assert.Equal(ReplayStatuses.NoEvents, report.Status);
    }

    [Fact]
    public async Task Run_Execute_ResendsOptimizedBodyAndRecordsReplayEvent()
    {
        var original = await AddAsync(Messy, 1);
        await using var upstream = await FakeUpstream.StartAsync();
        using var executor = new ReplayExecutor(new Dictionary<string, Uri> { ["openai"] = upstream.BaseUri }, _ => "sk-replay");
        var service = new ReplayService(Options(), new OptimizerOptions(), _sink, executor);

        var report = await service.RunAsync(new ReplayQuery { Execute = true });

        Assert.Equal(1, report.Executed);
        var sent = upstream.Requests[0];
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal("Bearer sk-replay", sent.Header("Authorization"));
        Assert.True(JsonNodeEquals(Clean, Encoding.UTF8.GetString(sent.Body!)));
        var execution = report.Steps[0].Execution!;
        Assert.Equal(200, execution.StatusCode);
        Assert.NotNull(execution.InputTokens);

        using var queries = _store.OpenQueries();
        var recorded = queries.GetPrompt(execution.EventId!);
        Assert.NotNull(recorded);
        Assert.Equal(EventSources.Replay, recorded.Source);
        Assert.Equal(original, recorded.Attributes!["replay_of"]);
    }

    [Fact]
    public void ReportJson_SnakeCase()
    {
        var json = JsonSerializer.Serialize(new ReplayReport { Status = "ok", TokensSaved = 3 }, ReplayJsonContext.Default.ReplayReport);

        Assert.Contains("\"tokens_saved\": 3", json, StringComparison.Ordinal);
    }

    private static bool JsonNodeEquals(string a, string b) =>
        System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(a), System.Text.Json.Nodes.JsonNode.Parse(b));

    public void Dispose()
    {
        (_sink as IDisposable)?.Dispose();
        _store.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
