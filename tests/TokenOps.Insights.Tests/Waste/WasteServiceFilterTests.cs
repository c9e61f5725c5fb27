using TokenOps.Insights.Waste;

namespace TokenOps.Insights.Tests.Waste;

/// <summary>
/// <see cref="WasteService"/> with provider/model filters over a real store: repeated requests on two providers and three
/// models (one finding each), plus a finding the daemon stored. Each filter keeps exactly the matching findings and totals.
/// </summary>
public sealed class WasteServiceFilterTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Since = Now.AddDays(-7);
    private readonly FixtureStore _store = new();
    private readonly WasteService _service;
    private readonly string _openAiFirst, _sonnetFirst, _haikuFirst;

    public WasteServiceFilterTests()
    {
        // Each request repeated within the hour: every repeat is a saving (its tokens in + out and its cost).
        _openAiFirst = Repeat(3, Now.AddHours(-5), "openai", "gpt-4o", cost: 0.01, input: 1_000, output: 100, "p-openai");
        _sonnetFirst = Repeat(3, Now.AddHours(-4), "anthropic", "claude-sonnet-4-5", cost: 0.05, input: 3_000, output: 200, "p-sonnet");
        _haikuFirst = Repeat(2, Now.AddHours(-3), "anthropic", "claude-haiku-4-5", cost: 0.002, input: 500, output: 50, "p-haiku");
        // A finding the daemon stored (an Anthropic Sonnet loop): merged into the report, and filtered like the rest.
        _store.AddEnvelope(new WasteFinding
        {
            Id = "0190c0de-0000-8000-8000-00000000f00d",
            Kind = WasteKinds.AgentLoop,
            Summary = "stored by the daemon",
            EvidenceEventIds = ["x1", "x2", "x3"],
            EstimatedTokensSaved = 1_000,
            EstimatedUsdSaved = 0.5m,
            Provider = "anthropic",
            Model = "claude-sonnet-4-5",
            Timestamp = Now.AddHours(-2),
        }.ToEnvelope());
        _service = new WasteService(_store.Options(Now));
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public void GetReport_NoFilter_EveryProviderAndModel()
    {
        var report = _service.GetReport(Since, Now);

        Assert.Equal(8, report.EventsAnalysed);
        Assert.Equal(
            ["agent_loop anthropic/claude-sonnet-4-5", "repeated_request anthropic/claude-sonnet-4-5", "repeated_request openai/gpt-4o", "repeated_request anthropic/claude-haiku-4-5"],
            Describe(report));
        Assert.Equal(0.5m + 0.10m + 0.02m + 0.002m, report.TotalUsdSaved);
        Assert.Equal(1_000 + 6_400 + 2_200 + 550, report.TotalTokensSaved);
    }

    [Fact]
    public void GetReport_ProviderAnthropic_OpenAiFindingsDisappear_TotalsAreAnthropics()
    {
        var report = _service.GetReport(Since, Now, provider: "anthropic");

        Assert.Equal(5, report.EventsAnalysed);
        Assert.Equal(
            ["agent_loop anthropic/claude-sonnet-4-5", "repeated_request anthropic/claude-sonnet-4-5", "repeated_request anthropic/claude-haiku-4-5"],
            Describe(report));
        Assert.Equal(0.5m + 0.10m + 0.002m, report.TotalUsdSaved);
        Assert.Equal(1_000 + 6_400 + 550, report.TotalTokensSaved);
        Assert.Equal(_sonnetFirst, report.Findings[1].EvidenceEventIds[0]);
    }

    [Fact]
    public void GetReport_ProviderOpenAi_OnlyItsFinding_StoredAnthropicFindingLeftOut()
    {
        var report = _service.GetReport(Since, Now, provider: "openai");

        Assert.Equal(3, report.EventsAnalysed);
        var finding = Assert.Single(report.Findings);
        Assert.Equal("repeated_request openai/gpt-4o", finding.Kind + " " + finding.Provider + "/" + finding.Model);
        Assert.Equal(_openAiFirst, finding.EvidenceEventIds[0]);
        Assert.Equal(0.02m, report.TotalUsdSaved);
        Assert.Equal(2_200, report.TotalTokensSaved);
    }

    [Fact]
    public void GetReport_ModelHaiku_OnlyThatModelsEventsAnalysed()
    {
        var report = _service.GetReport(Since, Now, model: "claude-haiku-4-5");

        Assert.Equal(2, report.EventsAnalysed);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(WasteKinds.RepeatedRequest, finding.Kind);
        Assert.Equal(_haikuFirst, finding.EvidenceEventIds[0]);
        Assert.Equal(0.002m, report.TotalUsdSaved);
        Assert.Equal(550, report.TotalTokensSaved);
    }

    [Fact]
    public void GetReport_ProviderAndModelThatNeverMet_NothingAnalysed()
    {
        var report = _service.GetReport(Since, Now, provider: "openai", model: "claude-sonnet-4-5");

        Assert.Equal(0, report.EventsAnalysed);
        Assert.Empty(report.Findings);
        Assert.Equal(0m, report.TotalUsdSaved);
    }

    [Fact]
    public void GetCoaching_ProviderOpenAi_RecommendsFromItsFindingsOnly()
    {
        var all = _service.GetCoaching(Since, Now);
        var openAi = _service.GetCoaching(Since, Now, provider: "openai");

        Assert.Equal([WasteKinds.AgentLoop, WasteKinds.RepeatedRequest], all.Recommendations.Select(static r => r.Kind));
        var only = Assert.Single(openAi.Recommendations);
        Assert.Equal(WasteKinds.RepeatedRequest, only.Kind);
        Assert.Equal(1, only.Findings);
        Assert.Equal(0.02m, only.UsdSavedInRange);
        Assert.Equal(Math.Round(0.02m * 30m / 7m, 2), openAi.ProjectedMonthlyUsd);
    }

    /// <summary>Adds <paramref name="count"/> identical requests five minutes apart; returns the first one's id.</summary>
    private string Repeat(int count, DateTimeOffset at, string provider, string model, double cost, long input, long output, string promptHash)
    {
        var first = "";
        for (var i = 0; i < count; i++)
        {
            _store.Add(at.AddMinutes(5 * i), provider, model, cost, input, output, promptHash: promptHash);
            first = i == 0 ? _store.LastId : first;
        }

        return first;
    }

    private static List<string> Describe(WasteReport report) =>
        report.Findings.Select(static f => f.Kind + " " + f.Provider + "/" + f.Model).ToList();
}
