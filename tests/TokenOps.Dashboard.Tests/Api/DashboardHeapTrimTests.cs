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

    // Waste holds every analysed step; spend aggregates in SQL and allocates little over the same store.
    [Theory]
    [InlineData("waste", true)]
    [InlineData("spend", false)]
    public async Task View_OverAQuarterMillionEvents_TrimsTheHeapOnlyAfterHeavyAllocation(string view, bool trimmed)
    {
        var trims = HeapTrim.Trims;
        using var client = _fixture.Client();

        var response = await client.GetAsync(new Uri("api/dashboard/" + view + "?since=7d", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(trimmed, HeapTrim.Trims > trims);
    }
}
