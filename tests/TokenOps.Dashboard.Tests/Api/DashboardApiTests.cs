using System.Net;
using System.Text.Json;
using TokenOps.Insights;
using TokenOps.Insights.Forecast;
using TokenOps.Insights.Latency;
using TokenOps.Insights.Spend;
using TokenOps.Insights.Store;

namespace TokenOps.Dashboard.Tests.Api;

public sealed class DashboardApiTests : IAsyncLifetime
{
    private readonly DashboardFixture _fixture = new();

    public async Task InitializeAsync()
    {
        _fixture.Seed();
        await _fixture.StartAsync();
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    [Theory]
    [InlineData("api/dashboard/spend")]
    [InlineData("api/dashboard/meta")]
    [InlineData("api/dashboard/live")]
    [InlineData("api/dashboard/workflows")]
    [InlineData("api/dashboard/trace?id=support-bot")]
    [InlineData("api/dashboard/waste")]
    [InlineData("dashboard")]
    [InlineData("dashboard/app.js")]
    public async Task Request_WithoutToken_Returns401(string path)
    {
        using var client = _fixture.Client(authorized: false);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(_fixture.Token, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_WithWrongBearer_Returns401()
    {
        using var client = _fixture.Client(authorized: false);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _fixture.Token[..^1] + (_fixture.Token[^1] == 'A' ? 'B' : 'A'));
        using var response = await client.GetAsync(new Uri("api/dashboard/spend", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Page_WithQueryToken_SetsStrictHttpOnlyCookieAndRedirectsWithoutToken()
    {
        using var client = _fixture.Client(authorized: false);
        using var response = await client.GetAsync(new Uri("dashboard?token=" + _fixture.Token + "&x=1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/dashboard?x=1", response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"tokenops_dashboard_{_fixture.BaseAddress.Port}={_fixture.Token};", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        // The cookie alone now opens the page and the API.
        using var withCookie = _fixture.Client(authorized: false);
        withCookie.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        using var page = await withCookie.GetAsync(new Uri("dashboard", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/dashboard/app.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://127.0.0.1", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var api = await withCookie.GetAsync(new Uri("api/dashboard/spend", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Fact]
    public async Task Page_WithWrongQueryToken_Returns401AndNoCookie()
    {
        using var client = _fixture.Client(authorized: false);
        using var response = await client.GetAsync(new Uri("dashboard?token=nope", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData("dashboard/app.js", "text/javascript", "EventSource")]
    [InlineData("dashboard/app.css", "text/css", "--accent")]
    public async Task Assets_AreServedFromTheAssembly(string path, string mediaType, string marker)
    {
        using var client = _fixture.Client();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(marker, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", null, null, false)]
    [InlineData("&provider=anthropic", "anthropic", null, false)]
    [InlineData("&model=gpt-4o-mini", null, "gpt-4o-mini", false)]
    [InlineData("&include_demo=1", null, null, true)]
    public async Task Spend_EqualsSpendServiceReport_ByteForByte(string extra, string? provider, string? model, bool demo)
    {
        using var client = _fixture.Client();
        var body = await client.GetStringAsync(new Uri("api/dashboard/spend?since=7d" + extra, UriKind.Relative));

        var expected = new SpendService(_fixture.Insights).GetReport(new SpendQuery
        {
            Filter = new EventFilter { Since = DashboardFixture.Now.AddDays(-7), Until = DashboardFixture.Now, Provider = provider, Model = model, IncludeDemo = demo },
            GroupBy = SpendGroupings.Model,
            Top = 10,
        });
        Assert.Equal(JsonSerializer.Serialize(expected, InsightsJsonContext.Default.SpendReport), body);
        Assert.True(expected.Totals.Requests > 0);
    }

    [Fact]
    public async Task Spend_ProviderFilter_ChangesTheNumbers()
    {
        using var client = _fixture.Client();
        var all = Parse(await client.GetStringAsync(new Uri("api/dashboard/spend?since=30d", UriKind.Relative)), InsightsJsonContext.Default.SpendReport);
        var anthropic = Parse(await client.GetStringAsync(new Uri("api/dashboard/spend?since=30d&provider=anthropic", UriKind.Relative)), InsightsJsonContext.Default.SpendReport);

        Assert.Equal(60 * 0.05m, anthropic.Totals.CostUsd);
        Assert.Equal(60, anthropic.Totals.Requests);
        Assert.True(all.Totals.CostUsd > anthropic.Totals.CostUsd);
        Assert.All(anthropic.Groups, static g => Assert.Equal("anthropic", g.Provider));
    }

    [Fact]
    public async Task Series_SumsToTheSpendTotals()
    {
        using var client = _fixture.Client();
        var spend = Parse(await client.GetStringAsync(new Uri("api/dashboard/spend?since=7d", UriKind.Relative)), InsightsJsonContext.Default.SpendReport);
        var series = Parse(await client.GetStringAsync(new Uri("api/dashboard/series?since=7d", UriKind.Relative)), InsightsJsonContext.Default.SpendSeriesReport);

        Assert.Equal("day", series.Bucket);
        Assert.Equal(8, series.Buckets.Count); // 2026-11-13 .. 2026-11-20, zero-filled
        Assert.Equal(spend.Totals.CostUsd, series.Buckets.Sum(static b => b.CostUsd));
        Assert.Equal(spend.Totals.Requests, series.Buckets.Sum(static b => b.Requests));
        Assert.Equal(spend.Totals.InputTokens, series.Buckets.Sum(static b => b.InputTokens));
        Assert.Equal(spend.Totals.SavedUsd, series.Buckets.Sum(static b => b.SavedUsd));
        Assert.Equal(spend.Totals.CostUsd, series.Models.Sum(static m => m.CostUsd));
        Assert.Equal("claude-sonnet-4-5", series.Models[0].Model);
    }

    [Fact]
    public async Task Series_24h_UsesHourBuckets()
    {
        using var client = _fixture.Client();
        var series = Parse(await client.GetStringAsync(new Uri("api/dashboard/series?since=24h", UriKind.Relative)), InsightsJsonContext.Default.SpendSeriesReport);

        Assert.Equal("hour", series.Bucket);
        Assert.Equal(24, series.Buckets.Count);
        Assert.Equal("2026-11-19T12:00", series.Buckets[0].Key);
    }

    [Fact]
    public async Task Forecast_EqualsForecastService()
    {
        using var client = _fixture.Client();
        var body = await client.GetStringAsync(new Uri("api/dashboard/forecast?days=14&provider=openai", UriKind.Relative));

        var expected = new ForecastService(_fixture.Insights).GetForecast(14, includeDemo: false, provider: "openai");
        Assert.Equal(JsonSerializer.Serialize(expected, InsightsJsonContext.Default.ForecastReport), body);
    }

    [Fact]
    public async Task Latency_EqualsLatencyServiceAndFiltersByModel()
    {
        using var client = _fixture.Client();
        var body = await client.GetStringAsync(new Uri("api/dashboard/latency?since=30d&model=gpt-4o", UriKind.Relative));

        var expected = new LatencyService(_fixture.Insights).GetReport(new EventFilter { Since = DashboardFixture.Now.AddDays(-30), Until = DashboardFixture.Now, Model = "gpt-4o" });
        Assert.Equal(JsonSerializer.Serialize(expected, InsightsJsonContext.Default.LatencyReport), body);
        var group = Assert.Single(expected.Groups);
        Assert.Equal(60, group.Latency.Count); // the 10 cache hits are excluded
        Assert.InRange(group.Latency.P50Ms, 600 * 0.98, 600 * 1.02);
    }

    [Fact]
    public async Task Meta_ListsModelsAndSetupLines()
    {
        using var client = _fixture.Client();
        using var doc = JsonDocument.Parse(await client.GetStringAsync(new Uri("api/dashboard/meta", UriKind.Relative)));
        var root = doc.RootElement;

        Assert.True(root.GetProperty("store_exists").GetBoolean());
        Assert.True(root.GetProperty("has_real_events").GetBoolean());
        Assert.False(root.GetProperty("has_demo_events").GetBoolean()); // only looked up when there are no real events
        Assert.Equal(
            ["anthropic/claude-sonnet-4-5", "openai/gpt-4o", "openai/gpt-4o-mini"],
            root.GetProperty("models").EnumerateArray().Select(static m => m.GetProperty("provider").GetString() + "/" + m.GetProperty("model").GetString()).ToArray());
        Assert.Contains(root.GetProperty("setup_lines").EnumerateArray(), l => l.GetString() == $"export OPENAI_BASE_URL=http://127.0.0.1:{_fixture.BaseAddress.Port}/openai/v1");
        Assert.Equal(0, root.GetProperty("unavailable").GetArrayLength()); // workflows and waste are in this build
    }

    [Fact]
    public async Task Events_ReturnsNewestFirstWithoutDemo()
    {
        using var client = _fixture.Client();
        using var doc = JsonDocument.Parse(await client.GetStringAsync(new Uri("api/dashboard/events?since=30d&limit=5", UriKind.Relative)));
        var rows = doc.RootElement.EnumerateArray().ToArray();

        Assert.Equal(5, rows.Length);
        Assert.All(rows, static r => Assert.NotEqual("demo", r.GetProperty("source").GetString()));
        var times = rows.Select(static r => r.GetProperty("timestamp").GetDateTimeOffset()).ToArray();
        Assert.Equal(times.OrderByDescending(static t => t), times);
    }

    [Fact]
    public async Task BadSince_Returns400WithTheParserMessage()
    {
        using var client = _fixture.Client();
        using var response = await client.GetAsync(new Uri("api/dashboard/spend?since=yesterdayish", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not a time", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthEndpoint_StaysOpen()
    {
        using var client = _fixture.Client(authorized: false);
        Assert.Equal("ok", await client.GetStringAsync(new Uri("healthz", UriKind.Relative)));
    }

    private static T Parse<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) => JsonSerializer.Deserialize(json, info)!;
}

public sealed class DashboardApiNoStoreTests
{
    [Fact]
    public async Task Meta_OnlyDemoEvents_ReportsDemoAndUnknownModel()
    {
        await using var fixture = new DashboardFixture();
        fixture.Add(DashboardFixture.Now.AddHours(-1), source: "demo");
        fixture.Add(DashboardFixture.Now.AddHours(-2), "gemini", "gemini-2.5-flash", source: "demo");
        await fixture.StartAsync();
        using var client = fixture.Client();

        using var meta = JsonDocument.Parse(await client.GetStringAsync(new Uri("api/dashboard/meta", UriKind.Relative)));

        Assert.False(meta.RootElement.GetProperty("has_real_events").GetBoolean());
        Assert.True(meta.RootElement.GetProperty("has_demo_events").GetBoolean());
        Assert.Equal(2, meta.RootElement.GetProperty("models").GetArrayLength());
    }

    [Fact]
    public async Task Spend_CachedUntilAnEventPassesTheBus()
    {
        await using var fixture = new DashboardFixture();
        fixture.Add(DashboardFixture.Now.AddHours(-1), cost: 1.0);
        await fixture.StartAsync();
        using var client = fixture.Client();
        var first = await client.GetStringAsync(new Uri("api/dashboard/spend?since=24h", UriKind.Relative));

        fixture.Add(DashboardFixture.Now.AddMinutes(-30), cost: 2.0); // written behind the bus's back: not seen yet
        var cached = await client.GetStringAsync(new Uri("api/dashboard/spend?since=24h", UriKind.Relative));
        await fixture.Live.WriteBatchAsync([TokenOps.Core.Events.Envelope.ForPrompt(new TokenOps.Core.Events.PromptEvent { Provider = "openai" })], CancellationToken.None);
        var fresh = await client.GetStringAsync(new Uri("api/dashboard/spend?since=24h", UriKind.Relative));

        Assert.Equal(first, cached);
        Assert.Equal(1.0m, JsonSerializer.Deserialize(first, TokenOps.Insights.InsightsJsonContext.Default.SpendReport)!.Totals.CostUsd);
        Assert.Equal(3.0m, JsonSerializer.Deserialize(fresh, TokenOps.Insights.InsightsJsonContext.Default.SpendReport)!.Totals.CostUsd);
    }

    [Fact]
    public async Task Spend_WithoutStore_Returns404NoStoreAndMetaSaysSo()
    {
        await using var fixture = new DashboardFixture();
        File.Delete(fixture.StorePath); // storage on, nothing recorded yet
        await fixture.StartAsync();
        using var client = fixture.Client();

        using var response = await client.GetAsync(new Uri("api/dashboard/spend", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("\"no_store\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var meta = JsonDocument.Parse(await client.GetStringAsync(new Uri("api/dashboard/meta", UriKind.Relative)));
        Assert.False(meta.RootElement.GetProperty("store_exists").GetBoolean());
    }
}
