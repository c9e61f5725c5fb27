using System.Net;
using TokenOps.Insights;

namespace TokenOps.Dashboard.Tests.Api;

/// <summary>A report that allocates more than <see cref="HeapTrim.Threshold"/> gives its memory back (wired into the endpoints).</summary>
public sealed class DashboardHeapTrimTests : IAsyncLifetime
{
    private readonly DashboardFixture _fixture = new();

    public async Task InitializeAsync()
    {
        _fixture.SeedBulk(250_000); // the waste report holds every step: over 64 MB allocated (100,000 were not enough)
        await _fixture.StartAsync();
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    [Fact]
    public async Task Waste_OverAQuarterMillionEvents_IsFollowedByAHeapTrim()
    {
        var trims = HeapTrim.Trims;
        using var client = _fixture.Client();

        var response = await client.GetAsync(new Uri("api/dashboard/waste?since=7d", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"events_analysed\": 250000", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(HeapTrim.Trims > trims);
    }

    [Fact]
    public async Task Spend_OverTheSameStore_AllocatesLittle_NoTrim()
    {
        var trims = HeapTrim.Trims;
        using var client = _fixture.Client();

        var response = await client.GetAsync(new Uri("api/dashboard/spend?since=7d", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(trims, HeapTrim.Trims);
    }
}
