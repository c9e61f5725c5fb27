using System.Collections.Concurrent;
using TokenOps.Dashboard.Live;

namespace TokenOps.Dashboard.Api;

/// <summary>
/// Serialized reports by exact request (path + query), reused while no event has gone through the bus since they were
/// computed and for at most <see cref="MaxAge"/>. The bytes are exactly what the Insights function returned then, so a
/// cached answer still equals the CLI's for the same moment; switching views or filters back and forth costs nothing,
/// and an idle store is aggregated once per minute at most. Events written outside the bus (<c>tokenops demo</c>) show
/// up when the entry ages out.
/// </summary>
internal sealed class DashboardResponseCache(LiveFeedSink live, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    private const int MaxEntries = 128;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public long Version => live.Seen;

    public bool TryGet(string key, out byte[] body)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Version == live.Seen && time.GetUtcNow() - entry.At < MaxAge)
        {
            body = entry.Body;
            return true;
        }

        body = [];
        return false;
    }

    public void Set(string key, byte[] body, long version)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear(); // bounded; a cleared cache only costs recomputation
        }

        _entries[key] = new Entry(body, version, time.GetUtcNow());
    }

    private sealed record Entry(byte[] Body, long Version, DateTimeOffset At);
}
