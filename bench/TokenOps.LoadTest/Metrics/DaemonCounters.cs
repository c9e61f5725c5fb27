using System.Net;
using System.Text.Json;

namespace TokenOps.LoadTest.Metrics;

/// <summary>The GC totals a TokenOps daemon reports under <c>runtime.gc.*</c> in <c>/readyz</c>.</summary>
internal readonly record struct GcTotals(long Collections, long PauseMicros, long AllocatedBytes, long LastEphemeralPromotedBytes);

/// <summary>Reads a TokenOps daemon's <c>/readyz</c> counters (outside the measured window: before and after a run).</summary>
internal static class DaemonCounters
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Total collections (gen0 counts every GC), pause time, bytes allocated and what the last gen0/gen1 GC promoted; null when the daemon does not answer.</summary>
    public static GcTotals? ReadGc(IPEndPoint endPoint)
    {
        try
        {
            using var response = Http.GetAsync(new Uri("http://" + endPoint + "/readyz")).GetAwaiter().GetResult();
            using var stream = response.Content.ReadAsStream();
            using var document = JsonDocument.Parse(stream);
            if (!document.RootElement.TryGetProperty("counters", out var counters)
                || !counters.TryGetProperty("runtime.gc.gen0", out var collections)
                || !counters.TryGetProperty("runtime.gc.pause_us", out var pause)
                || !counters.TryGetProperty("runtime.allocated_bytes", out var allocated))
            {
                return null;
            }

            var promoted = counters.TryGetProperty("runtime.gc.last_ephemeral.promoted_bytes", out var p) ? p.GetInt64() : 0;
            return new GcTotals(collections.GetInt64(), pause.GetInt64(), allocated.GetInt64(), promoted);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            return null;
        }
    }
}
