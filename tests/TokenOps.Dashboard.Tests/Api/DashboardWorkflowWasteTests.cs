using System.Net;
using System.Text.Json;
using TokenOps.Insights;
using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;

namespace TokenOps.Dashboard.Tests.Api;

/// <summary>Views 4 and 5 over a store filled by the demo generator (its scripted workflows trigger the waste rules).</summary>
public sealed class DashboardWorkflowWasteTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Since = DashboardFixture.Now.AddDays(-7);

    private readonly DashboardFixture _fixture = new();

    public async Task InitializeAsync()
    {
        await _fixture.SeedDemoAsync();
        await _fixture.StartAsync();
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    [Theory]
    [InlineData("", false)]
    [InlineData("&include_demo=1", true)]
    public async Task Workflows_EqualsWorkflowServiceList_ByteForByte(string extra, bool demo)
    {
        using var client = _fixture.Client();
        var body = await client.GetStringAsync(new Uri("api/dashboard/workflows?since=7d" + extra, UriKind.Relative));

        var expected = new WorkflowService(_fixture.Insights).List(Since, DashboardFixture.Now, demo);
        Assert.Equal(JsonSerializer.Serialize(expected, InsightsJsonContext.Default.WorkflowListReport), body);
        if (demo)
        {
            Assert.InRange(expected.Workflows.Count, 5, 20);
            Assert.Contains(expected.Workflows, static w => w.Kind == WorkflowKinds.Workflow);
            Assert.True(expected.Workflows[0].CostUsd >= expected.Workflows[^1].CostUsd);
        }
        else
        {
            Assert.Empty(expected.Workflows); // every demo event is tagged source=demo
        }
    }

    [Fact]
    public async Task Workflows_Top_CutsTheList()
    {
        using var client = _fixture.Client();
        var report = JsonSerializer.Deserialize(
            await client.GetStringAsync(new Uri("api/dashboard/workflows?since=7d&include_demo=1&top=3", UriKind.Relative)),
            InsightsJsonContext.Default.WorkflowListReport)!;

        Assert.Equal(3, report.Workflows.Count);
        Assert.True(report.WorkflowCount > 3);
    }

    [Fact]
    public async Task Trace_OfTheMostExpensiveWorkflow_EqualsWorkflowServiceTrace()
    {
        var top = new WorkflowService(_fixture.Insights).List(Since, DashboardFixture.Now, includeDemo: true).Workflows[0];
        using var client = _fixture.Client();
        var body = await client.GetStringAsync(new Uri("api/dashboard/trace?since=7d&include_demo=1&id=" + Uri.EscapeDataString(top.Id), UriKind.Relative));

        var expected = new WorkflowService(_fixture.Insights).Trace(top.Id, Since, DashboardFixture.Now, includeDemo: true);
        Assert.NotNull(expected);
        Assert.Equal(JsonSerializer.Serialize(expected, InsightsJsonContext.Default.WorkflowTrace), body);
        Assert.Equal(top.Steps, expected.Steps.Count);
        Assert.True(expected.Steps.Count > 1);
        Assert.Null(expected.Steps[0].ContextDelta);
        Assert.NotNull(expected.Steps[1].ContextDelta);
    }

    [Fact]
    public async Task Trace_UnknownId_Returns404NotFound()
    {
        using var client = _fixture.Client();
        using var response = await client.GetAsync(new Uri("api/dashboard/trace?since=7d&include_demo=1&id=no-such-workflow", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("not_found", doc.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Trace_DemoWorkflowWithoutDemo_Returns404()
    {
        var top = new WorkflowService(_fixture.Insights).List(Since, DashboardFixture.Now, includeDemo: true).Workflows[0];
        using var client = _fixture.Client();
        using var response = await client.GetAsync(new Uri("api/dashboard/trace?since=7d&id=" + Uri.EscapeDataString(top.Id), UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("api/dashboard/trace")]
    [InlineData("api/dashboard/trace?id=%20")]
    public async Task Trace_WithoutId_Returns400(string path)
    {
        using var client = _fixture.Client();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"bad_request\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waste_EqualsWasteServiceReport_ByteForByte()
    {
        using var client = _fixture.Client();
        var body = await client.GetStringAsync(new Uri("api/dashboard/waste?since=7d&include_demo=1", UriKind.Relative));

        var expected = new WasteService(_fixture.Insights).GetReport(Since, DashboardFixture.Now, includeDemo: true);
        Assert.Equal(JsonSerializer.Serialize(expected, InsightsJsonContext.Default.WasteReport), body);
        Assert.Contains(expected.Findings, static f => f.Kind == WasteKinds.RunawayContextGrowth);
        Assert.All(expected.Findings, static f => Assert.NotEmpty(f.EvidenceEventIds));
        Assert.True(expected.TotalUsdSaved > 0);
        for (var i = 1; i < expected.Findings.Count; i++)
        {
            Assert.True(expected.Findings[i - 1].EstimatedUsdSaved >= expected.Findings[i].EstimatedUsdSaved);
        }
    }

    [Theory]
    [InlineData("anthropic", null)]
    [InlineData("openai", null)]
    [InlineData(null, "claude-sonnet-4-5-20250929")]
    public async Task Waste_ProviderOrModel_EqualsTheFilteredReport_OtherFindingsGone(string? provider, string? model)
    {
        using var client = _fixture.Client();
        var query = "api/dashboard/waste?since=7d&include_demo=1" + (provider is null ? "" : "&provider=" + provider) + (model is null ? "" : "&model=" + model);
        var body = await client.GetStringAsync(new Uri(query, UriKind.Relative));

        var all = new WasteService(_fixture.Insights).GetReport(Since, DashboardFixture.Now, includeDemo: true);
        var expected = new WasteService(_fixture.Insights).GetReport(Since, DashboardFixture.Now, includeDemo: true, provider, model);
        Assert.Equal(JsonSerializer.Serialize(expected, InsightsJsonContext.Default.WasteReport), body);
        Assert.NotEmpty(expected.Findings);
        Assert.All(expected.Findings, f => Assert.True((provider is null || f.Provider == provider) && (model is null || f.Model == model), f.Kind + " " + f.Provider + "/" + f.Model));
        // The unfiltered report had findings about other traffic: the filter removed them and their dollars.
        Assert.Contains(all.Findings, f => (provider is not null && f.Provider != provider) || (model is not null && f.Model != model));
        Assert.True(expected.EventsAnalysed < all.EventsAnalysed);
        Assert.True(expected.TotalUsdSaved < all.TotalUsdSaved);
    }

    [Fact]
    public async Task Workflows_ProviderAnthropic_EqualsTheFilteredList_CountingAnthropicStepsOnly()
    {
        using var client = _fixture.Client();
        var body = await client.GetStringAsync(new Uri("api/dashboard/workflows?since=7d&include_demo=1&provider=anthropic&top=200", UriKind.Relative));

        var service = new WorkflowService(_fixture.Insights);
        var all = service.List(Since, DashboardFixture.Now, includeDemo: true, top: 200);
        var expected = service.List(Since, DashboardFixture.Now, includeDemo: true, top: 200, provider: "anthropic");
        Assert.Equal(JsonSerializer.Serialize(expected, InsightsJsonContext.Default.WorkflowListReport), body);
        Assert.NotEmpty(expected.Workflows);
        Assert.True(expected.WorkflowCount < all.WorkflowCount);
        foreach (var w in expected.Workflows)
        {
            // Same id as unfiltered, and its anthropic steps are those of its trace.
            var trace = service.Trace(w.Id, Since, DashboardFixture.Now, includeDemo: true)!;
            var steps = trace.Steps.Where(static s => s.Provider == "anthropic").ToList();
            Assert.Equal("anthropic", w.Provider);
            Assert.Equal(steps.Count, w.Steps);
            Assert.Equal(steps.Sum(static s => s.OutputTokens), w.OutputTokens);
        }
    }

    [Theory]
    [InlineData("waste")]
    [InlineData("workflows")]
    [InlineData("spend")]
    public async Task UnknownProvider_Returns400NamingTheProviders(string view)
    {
        using var client = _fixture.Client();
        using var response = await client.GetAsync(new Uri($"api/dashboard/{view}?since=7d&provider=mistral", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("bad_request", doc.RootElement.GetProperty("error").GetString());
        Assert.Equal("provider must be one of openai|anthropic|gemini, not 'mistral'", doc.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Waste_WithoutDemo_IsEmptyButAnalysedTheRange()
    {
        using var client = _fixture.Client();
        var report = JsonSerializer.Deserialize(
            await client.GetStringAsync(new Uri("api/dashboard/waste?since=7d", UriKind.Relative)), InsightsJsonContext.Default.WasteReport)!;

        Assert.Empty(report.Findings);
        Assert.Equal(0, report.EventsAnalysed);
        Assert.Equal(0m, report.TotalUsdSaved);
    }
}
