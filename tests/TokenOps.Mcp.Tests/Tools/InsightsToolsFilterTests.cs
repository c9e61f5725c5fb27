using System.Globalization;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using TokenOps.Core.Events;
using TokenOps.Insights;
using TokenOps.Insights.Demo;
using TokenOps.Insights.Waste;
using TokenOps.Storage;
using TokenOps.Testing.Time;

namespace TokenOps.Mcp.Tests.Tools;

/// <summary>
/// <c>tokenops_waste_findings</c> and <c>tokenops_coach</c> with <c>provider</c>/<c>model</c> over a real store written by the
/// SQLite sink: one repeated OpenAI request and one repeated Anthropic request, each a finding of its own.
/// </summary>
public sealed class InsightsToolsFilterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tokenops-mcp-" + Guid.NewGuid().ToString("N"));
    private InsightsOptions _insights = null!;
    private McpToolCatalog _catalog = null!;
    private int _next;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "events.db");
        var events = new List<Envelope>();
        for (var i = 0; i < 3; i++)
        {
            events.Add(Prompt(Now.AddHours(-5).AddMinutes(5 * i), Providers.OpenAI, "gpt-4o", 0.01m, 1_000, 100, "p-openai"));
            events.Add(Prompt(Now.AddHours(-4).AddMinutes(5 * i), Providers.Anthropic, "claude-sonnet-4-5", 0.05m, 3_000, 200, "p-sonnet"));
        }

        using (var store = SqliteEventStore.Open(new StoreOptions { Path = path, RetentionDays = 0 }, new ManualTimeProvider(Now)))
        using (var sink = store.CreateSink())
        {
            await DemoSeeder.WriteToSinkAsync(events, sink, CancellationToken.None);
        }

        _insights = new InsightsOptions { StorePath = path, TimeZone = TimeZoneInfo.Utc, Time = new ManualTimeProvider(Now) };
        _catalog = new McpToolCatalog(new McpToolContext { Version = "0.0.0-test", StorePath = path, DaemonUrl = "http://127.0.0.1:9", Insights = _insights });
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task WasteFindings_ProviderAnthropic_OnlyItsFinding_EqualsWasteService()
    {
        var all = await Call("tokenops_waste_findings", """{"since":"7d"}""");
        var anthropic = await Call("tokenops_waste_findings", """{"since":"7d","provider":"anthropic"}""");

        Assert.Equal(["anthropic", "openai"], FindingProviders(all)); // ranked by dollars
        Assert.Equal(0.12m, all.GetProperty("total_usd_saved").GetDecimal());
        Assert.Equal(["anthropic"], FindingProviders(anthropic));
        Assert.Equal(0.10m, anthropic.GetProperty("total_usd_saved").GetDecimal());
        Assert.Equal(6_400, anthropic.GetProperty("total_tokens_saved").GetInt64());
        Assert.Equal(3, anthropic.GetProperty("events_analysed").GetInt32());
        var expected = new WasteService(_insights).GetReport(Now.AddDays(-7), Now, provider: "anthropic");
        Assert.Equal(JsonSerializer.SerializeToElement(expected, InsightsJsonContext.Default.WasteReport).GetRawText(), anthropic.GetRawText());
    }

    [Fact]
    public async Task WasteFindings_Model_SameAsTheCliFilter()
    {
        var gpt = await Call("tokenops_waste_findings", """{"since":"7d","model":"gpt-4o"}""");
        var none = await Call("tokenops_waste_findings", """{"since":"7d","provider":"anthropic","model":"gpt-4o"}""");

        Assert.Equal(["openai"], FindingProviders(gpt));
        Assert.Equal(0.02m, gpt.GetProperty("total_usd_saved").GetDecimal());
        Assert.Equal(0, none.GetProperty("findings").GetArrayLength());
        Assert.Equal(0, none.GetProperty("events_analysed").GetInt32());
    }

    [Fact]
    public async Task Coach_ProviderOpenAi_RecommendsFromItsFindingOnly()
    {
        var coach = await Call("tokenops_coach", """{"since":"7d","provider":"openai"}""");

        var recommendation = Assert.Single(coach.GetProperty("recommendations").EnumerateArray().ToList());
        Assert.Equal("repeated_request", recommendation.GetProperty("kind").GetString());
        Assert.Equal(0.02m, recommendation.GetProperty("usd_saved_in_range").GetDecimal());
        var expected = new WasteService(_insights).GetCoaching(Now.AddDays(-7), Now, provider: "openai");
        Assert.Equal(JsonSerializer.SerializeToElement(expected, InsightsJsonContext.Default.CoachReport).GetRawText(), coach.GetRawText());
    }

    [Theory]
    [InlineData("tokenops_waste_findings")]
    [InlineData("tokenops_coach")]
    public async Task UnknownProvider_ToolErrorNamingTheProviders(string tool)
    {
        var result = await _catalog.CallAsync(new CallToolRequestParams { Name = tool, Arguments = Args("""{"provider":"mistral"}""") }, CancellationToken.None);

        Assert.True(result.IsError);
        Assert.Equal("Argument 'provider' must be one of openai, anthropic, gemini, got \"mistral\".", ((TextContentBlock)result.Content[0]).Text);
    }

    [Theory]
    [InlineData("tokenops_waste_findings")]
    [InlineData("tokenops_coach")]
    public void Schema_ProviderEnumAndModel_AsSpendHasThem(string tool)
    {
        var tools = _catalog.List().Tools;
        var properties = tools.Single(t => t.Name == tool).InputSchema.GetProperty("properties");
        var spend = tools.Single(static t => t.Name == "tokenops_spend_summary").InputSchema.GetProperty("properties");

        Assert.Equal(
            spend.GetProperty("provider").GetProperty("enum").EnumerateArray().Select(static e => e.GetString()),
            properties.GetProperty("provider").GetProperty("enum").EnumerateArray().Select(static e => e.GetString()));
        Assert.Equal("string", properties.GetProperty("model").GetProperty("type").GetString());
    }

    private async Task<JsonElement> Call(string tool, string json)
    {
        var result = await _catalog.CallAsync(new CallToolRequestParams { Name = tool, Arguments = Args(json) }, CancellationToken.None);
        Assert.NotEqual(true, result.IsError);
        return result.StructuredContent!.Value;
    }

    private static List<string?> FindingProviders(JsonElement report) =>
        report.GetProperty("findings").EnumerateArray().Select(static f => f.GetProperty("provider").GetString()).ToList();

    private static Dictionary<string, JsonElement> Args(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(static p => p.Name, static p => p.Value.Clone());
    }

    private Envelope Prompt(DateTimeOffset at, string provider, string model, decimal cost, long input, long output, string promptHash)
    {
        var id = "0190c0de-0000-7000-8000-" + (++_next).ToString("D12", CultureInfo.InvariantCulture);
        return new Envelope
        {
            Id = id,
            Type = EventTypes.Prompt,
            Timestamp = at,
            Prompt = new PromptEvent
            {
                Provider = provider,
                Operation = "chat",
                Method = "POST",
                Path = "/v1/chat/completions",
                RequestModel = model,
                ResponseModel = model,
                StartedAt = at,
                UsageSource = UsageSources.Provider,
                StatusCode = 200,
                PromptHash = promptHash,
                InputTokens = input,
                OutputTokens = output,
                CostUsd = cost,
                PricingStatus = "priced",
            },
        };
    }
}
