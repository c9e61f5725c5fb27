using System.Globalization;
using System.Text.Json;
using TokenOps.Cli;
using TokenOps.Configuration;
using TokenOps.Core.Events;
using TokenOps.Core.Pricing;
using TokenOps.Daemon;
using TokenOps.Insights;
using TokenOps.Testing.Time;

namespace TokenOps.Tests.Cli;

/// <summary>
/// Snapshot tests of <c>tokenops workflows</c>, <c>trace</c>, <c>waste</c> and <c>coach</c> (text and <c>--json</c>) over a
/// fixture store written through the real store writer, with a fixed clock (the build runs with InvariantGlobalization,
/// and the renderers format with the invariant culture explicitly). Goldens live in Cli/Snapshots/ and are compared
/// byte for byte (line endings normalised).
/// To regenerate the goldens after an intended output change, run
/// <c>UPDATE_SNAPSHOTS=1 dotnet test tests/TokenOps.Tests --filter FullyQualifiedName~WasteCommandsSnapshotTests</c>
/// and review the diff of tests/TokenOps.Tests/Cli/Snapshots/ before committing.
/// </summary>
public sealed class WasteCommandsSnapshotTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly CostCalculator Calculator = new(RateCard.Embedded);
    private readonly TempHome _home = new();
    private readonly InsightsOptions _options;
    private int _next;

    public WasteCommandsSnapshotTests()
    {
        var config = TokenOpsConfig.CreateDefault(_home.Path) with
        {
            // Retention is measured against the real clock; the fixture is dated: keep it forever (well, 100 years).
            Storage = new StorageConfig { Enabled = true, Path = Path.Combine(_home.Path, "events.db"), RetentionDays = 36_500 },
        };
        _options = InsightsComposition.Create(config) with { TimeZone = TimeZoneInfo.Utc, Time = new ManualTimeProvider(Now) };
        var sink = _options.OpenStoreWriter!();
        try
        {
            sink.WriteBatchAsync(Fixture(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            sink.FlushAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            (sink as IDisposable)?.Dispose();
        }
    }

    public void Dispose() => _home.Dispose();

    [Fact]
    public void Workflows_Text_MatchesSnapshot() => AssertSnapshot("workflows.txt", Invoke(c => c.Workflows()));

    [Fact]
    public void Workflows_Json_MatchesSnapshot() => AssertJsonSnapshot("workflows.json", Invoke(c => c.Workflows(json: true)));

    [Fact]
    public void Trace_ExplicitWorkflow_Text_MatchesSnapshot() => AssertSnapshot("trace-wf-research.txt", Invoke(c => c.Trace("wf-research")));

    [Fact]
    public void Trace_ExplicitWorkflow_Json_MatchesSnapshot() => AssertJsonSnapshot("trace-wf-research.json", Invoke(c => c.Trace("wf-research", json: true)));

    [Fact]
    public void Trace_InferredChain_Text_MatchesSnapshot()
    {
        var id = InferredId();

        Assert.StartsWith("auto-", id, StringComparison.Ordinal);
        AssertSnapshot("trace-inferred.txt", Invoke(c => c.Trace(id)));
    }

    [Fact]
    public void Waste_Text_MatchesSnapshot() => AssertSnapshot("waste.txt", Invoke(c => c.Waste()));

    [Fact]
    public void Waste_Json_MatchesSnapshot() => AssertJsonSnapshot("waste.json", Invoke(c => c.Waste(json: true)));

    [Fact]
    public void Coach_Text_MatchesSnapshot() => AssertSnapshot("coach.txt", Invoke(c => c.Coach()));

    [Fact]
    public void Coach_Json_MatchesSnapshot() => AssertJsonSnapshot("coach.json", Invoke(c => c.Coach(json: true)));

    [Fact]
    public void Waste_FixtureFindings_CoverTheRulesTheFixtureWasBuiltFor()
    {
        var (code, output, _) = Invoke(c => c.Waste(json: true));

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var kinds = doc.RootElement.GetProperty("findings").EnumerateArray().Select(static f => f.GetProperty("kind").GetString()).ToHashSet();
        Assert.Superset(
            new HashSet<string?> { "repeated_request", "retry_storm", "runaway_context_growth", "agent_loop", "prompt_cache_missed", "unused_tools" },
            kinds);
    }

    [Fact]
    public void Trace_UnknownId_ExitOneWithHint()
    {
        var (code, output, error) = Invoke(c => c.Trace("no-such-workflow"));

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal("tokenops: no workflow, session or inferred chain 'no-such-workflow' in the last 30d (see `tokenops workflows`)\n", error);
    }

    [Fact]
    public void Commands_BadArguments_ExitOne()
    {
        Assert.Equal(1, Invoke(c => c.Workflows(top: 0)).Code);
        Assert.Equal(1, Invoke(c => c.Waste(since: "soon")).Code);
        Assert.Equal(1, Invoke(c => c.Coach(since: "soon")).Code);
    }

    [Fact]
    public void Waste_ProviderAnthropic_Json_ExactlyTheAnthropicFindingsOfTheUnfilteredReport()
    {
        var (code, output, error) = Invoke(c => c.Waste(provider: "anthropic", json: true));
        var (_, unfiltered, _) = Invoke(c => c.Waste(json: true));

        Assert.Equal(0, code);
        Assert.Equal("", error);
        using var doc = JsonDocument.Parse(output);
        using var all = JsonDocument.Parse(unfiltered);
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray().ToList();
        var anthropic = all.RootElement.GetProperty("findings").EnumerateArray()
            .Where(static f => f.GetProperty("provider").GetString() == "anthropic").ToList();
        // The agent's findings, untouched; the OpenAI ones (repeats, the retry storm, unused tools in sess-qa) are gone.
        Assert.Equal(["agent_loop", "prompt_cache_missed", "runaway_context_growth"], findings.Select(static f => f.GetProperty("kind").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(anthropic.Select(static f => f.GetRawText()), findings.Select(static f => f.GetRawText()));
        Assert.Contains(all.RootElement.GetProperty("findings").EnumerateArray(), static f => f.GetProperty("kind").GetString() == "retry_storm");
        Assert.Equal(6, doc.RootElement.GetProperty("events_analysed").GetInt32());
        Assert.Equal(19, all.RootElement.GetProperty("events_analysed").GetInt32());
        Assert.Equal(anthropic.Sum(static f => f.GetProperty("estimated_usd_saved").GetDecimal()), doc.RootElement.GetProperty("total_usd_saved").GetDecimal());
        Assert.True(doc.RootElement.GetProperty("total_usd_saved").GetDecimal() < all.RootElement.GetProperty("total_usd_saved").GetDecimal());
        // The same record the MCP tool and the dashboard serve for the same arguments.
        Assert.Equal(JsonSerializer.Serialize(new Insights.Waste.WasteService(_options).GetReport(Now.AddDays(-7), Now, provider: "anthropic"),
            InsightsJsonContext.Default.WasteReport) + "\n", output);
    }

    [Fact]
    public void Waste_ModelGpt41_OnlyTheUnusedToolsOfItsSession()
    {
        var (code, output, _) = Invoke(c => c.Waste(model: "gpt-4.1-2025-04-14", json: true));

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var finding = Assert.Single(doc.RootElement.GetProperty("findings").EnumerateArray().ToList());
        Assert.Equal("unused_tools", finding.GetProperty("kind").GetString());
        Assert.Equal("sess-qa", finding.GetProperty("workflow_id").GetString());
        Assert.Equal(3, doc.RootElement.GetProperty("events_analysed").GetInt32());
    }

    [Fact]
    public void Workflows_ProviderAnthropic_Json_OnlyTheAgentChain()
    {
        var (code, output, _) = Invoke(c => c.Workflows(provider: "anthropic", json: true));

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var workflow = Assert.Single(doc.RootElement.GetProperty("workflows").EnumerateArray().ToList());
        Assert.Equal(InferredId(), workflow.GetProperty("id").GetString());
        Assert.Equal("anthropic", workflow.GetProperty("provider").GetString());
        Assert.Equal(6, workflow.GetProperty("steps").GetInt32());
        Assert.Equal(1, doc.RootElement.GetProperty("workflow_count").GetInt32());
    }

    [Fact]
    public void Workflows_ModelGpt4o_ResearchAndNotTheSession_AndProviderCaseIgnored()
    {
        var (code, output, _) = Invoke(c => c.Workflows(model: "gpt-4o-2024-08-06", json: true));
        var (_, upper, _) = Invoke(c => c.Workflows(provider: "OpenAI", model: "gpt-4o-2024-08-06", json: true));

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var workflow = Assert.Single(doc.RootElement.GetProperty("workflows").EnumerateArray().ToList());
        Assert.Equal("wf-research", workflow.GetProperty("id").GetString());
        Assert.Equal(4, workflow.GetProperty("steps").GetInt32());
        Assert.Equal(output, upper);
    }

    [Fact]
    public void Commands_UnknownProvider_ExitOneNamingTheProviders()
    {
        const string Expected = "tokenops: --provider must be one of openai|anthropic|gemini, not 'mistral'\n";
        foreach (var run in (Func<WasteCommands, int>[])[c => c.Workflows(provider: "mistral"), c => c.Waste(provider: "mistral"), c => c.Coach(provider: "mistral", json: true)])
        {
            var (code, output, error) = Invoke(run);

            Assert.Equal(1, code);
            Assert.Empty(output);
            Assert.Equal(Expected, error);
        }
    }

    private string InferredId()
    {
        var (_, json, _) = Invoke(c => c.Workflows(json: true));
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("workflows").EnumerateArray()
            .Single(static w => w.GetProperty("kind").GetString() == "inferred").GetProperty("id").GetString()!;
    }

    private (int Code, string Out, string Err) Invoke(Func<WasteCommands, int> run)
    {
        var commands = new WasteCommands(_options);
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        commands.Out = output;
        commands.Error = error;
        var code = run(commands);
        return (code, output.ToString(), error.ToString());
    }

    private static void AssertSnapshot(string name, (int Code, string Out, string Err) result)
    {
        Assert.Equal("", result.Err);
        Assert.Equal(0, result.Code);
        Compare(name, result.Out);
    }

    private static void AssertJsonSnapshot(string name, (int Code, string Out, string Err) result)
    {
        Assert.Equal("", result.Err);
        Assert.Equal(0, result.Code);
        using (JsonDocument.Parse(result.Out))
        {
            // One valid JSON document (the Insights record, exactly as MCP returns it).
        }

        Compare(name, result.Out);
    }

    /// <summary>Compares with Cli/Snapshots/<paramref name="name"/> in the source tree; UPDATE_SNAPSHOTS=1 rewrites it instead.</summary>
    private static void Compare(string name, string actual)
    {
        var path = Path.Combine(SnapshotDirectory(), name);
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"missing snapshot {path}: run with UPDATE_SNAPSHOTS=1 to create it");
        Assert.Equal(File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal), actual);
    }

    /// <summary>tests/TokenOps.Tests/Cli/Snapshots, found from the test binary's directory (bin/… lives under the project).</summary>
    private static string SnapshotDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TokenOps.Tests.csproj")))
            {
                return Directory.CreateDirectory(Path.Combine(dir.FullName, "Cli", "Snapshots")).FullName;
            }
        }

        throw new DirectoryNotFoundException("TokenOps.Tests.csproj not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// One explicit workflow (with a failed last step), an Anthropic agent chained by prefix (runaway context, no prompt
    /// caching, a tool-call loop), a session that sends tools it never calls, a repeated request, a retry storm, and a
    /// demo event that the reports leave out.
    /// </summary>
    private List<Envelope> Fixture()
    {
        var events = new List<Envelope>();
        var day = new DateTimeOffset(2026, 11, 19, 9, 0, 0, TimeSpan.Zero);

        // wf-research: planner then writer on gpt-4o, OpenAI prompt caching at work, the last call fails.
        events.Add(Event(day, "gpt-4o-2024-08-06", 2_000, 300, e => (e.WorkflowId, e.AgentId) = ("wf-research", "planner")));
        events.Add(Event(day.AddSeconds(40), "gpt-4o-2024-08-06", 3_400, 450, e => (e.WorkflowId, e.AgentId, e.CachedInputTokens) = ("wf-research", "writer", 1_920)));
        events.Add(Event(day.AddSeconds(95), "gpt-4o-2024-08-06", 5_100, 800, e => (e.WorkflowId, e.AgentId, e.CachedInputTokens) = ("wf-research", "writer", 3_328)));
        events.Add(Event(day.AddSeconds(130), "gpt-4o-2024-08-06", 0, 0, e =>
        {
            (e.WorkflowId, e.AgentId) = ("wf-research", "writer");
            Fail(e, 500, "server_error");
            e.EstimatedInputTokens = 5_400; // the pre-flight count: the provider reported no usage
        }));

        // An Anthropic coding agent without headers: each turn re-sends the history (prefix chaining), nothing cached, and
        // turns 3-5 repeat the same tool call.
        var agent = day.AddHours(5);
        string? parent = null;
        for (var turn = 0; turn < 6; turn++)
        {
            var messages = "m-agent-" + turn.ToString(CultureInfo.InvariantCulture);
            var toolHash = turn == 0 ? null : turn is >= 2 and <= 4 ? "t-run-tests" : "t-" + turn.ToString(CultureInfo.InvariantCulture);
            var parentHash = parent;
            var index = turn;
            events.Add(Event(agent.AddSeconds(45 * turn), "claude-sonnet-4-5-20250929", 5_000 + 4_400 * turn, 400, e =>
            {
                e.Provider = Providers.Anthropic;
                e.MessagesHash = messages;
                e.ParentMessagesHash = parentHash;
                e.MessageCount = 1 + 2 * index;
                e.ToolCount = 5;
                e.ToolDefinitionTokens = 1_200;
                e.ToolCallCount = index;
                e.LastToolCallHash = toolHash;
                e.FinishReason = index == 5 ? "end_turn" : "tool_use";
            }));
            parent = messages;
        }

        // sess-qa: six tool schemas on every call, never called.
        for (var i = 0; i < 3; i++)
        {
            events.Add(Event(day.AddHours(7).AddMinutes(2 * i), "gpt-4.1-2025-04-14", 2_500 + 300 * i, 200, e =>
            {
                e.SessionId = "sess-qa";
                e.ToolCount = 6;
                e.ToolDefinitionTokens = 800;
                e.ToolCallCount = 0;
            }));
        }

        // The same gpt-4o-mini request three times within ten minutes.
        for (var i = 0; i < 3; i++)
        {
            events.Add(Event(Now.AddHours(-4).AddMinutes(5 * i), "gpt-4o-mini-2024-07-18", 1_200, 150, static e => e.PromptHash = "p-duplicate"));
        }

        // Three 429s of one request within three seconds.
        foreach (var ms in (int[])[0, 1_000, 3_000])
        {
            events.Add(Event(Now.AddHours(-3).AddMilliseconds(ms), "gpt-4o-2024-08-06", 0, 0, static e =>
            {
                e.PromptHash = "p-retried";
                e.EstimatedInputTokens = 1_500;
                Fail(e, 429, "rate_limit_error");
            }));
        }

        // Demo data is excluded unless --include-demo.
        events.Add(Event(Now.AddHours(-2), "gpt-4o-2024-08-06", 90_000, 4_000, static e => e.WorkflowId = "wf-demo", EventSources.Demo));
        return events;
    }

    private Envelope Event(DateTimeOffset at, string model, long input, long output, Action<PromptEvent> configure, string source = EventSources.Proxy)
    {
        _next++;
        var e = new PromptEvent
        {
            Provider = Providers.OpenAI,
            Operation = "chat",
            Method = "POST",
            Path = "/v1/chat/completions",
            RequestModel = model,
            ResponseModel = model,
            StartedAt = at,
            UsageSource = UsageSources.Provider,
            StatusCode = 200,
            PromptHash = "p-" + _next.ToString("D3", CultureInfo.InvariantCulture),
            InputTokens = input,
            OutputTokens = output,
            CachedInputTokens = 0,
            FinishReason = "stop",
            LatencyMs = 400 + output * 12.5,
            TimeToFirstByteMs = 350,
        };
        configure(e);
        if (e.Provider == Providers.Anthropic)
        {
            e.Path = "/v1/messages";
            e.Operation = "messages";
        }

        Calculator.Stamp(e);
        return new Envelope
        {
            Id = "0190c0de-0000-7000-8000-" + _next.ToString("D12", CultureInfo.InvariantCulture),
            Type = EventTypes.Prompt,
            Timestamp = at,
            Source = source,
            Prompt = e,
        };
    }

    private static void Fail(PromptEvent e, int status, string error)
    {
        e.StatusCode = status;
        e.ErrorType = error;
        e.UsageSource = UsageSources.Unavailable;
        e.InputTokens = null;
        e.OutputTokens = null;
        e.CachedInputTokens = null;
        e.FinishReason = null;
        e.LatencyMs = 180;
    }
}
