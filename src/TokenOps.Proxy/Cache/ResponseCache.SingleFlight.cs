using System.Collections.Concurrent;

namespace TokenOps.Proxy.Cache;

// Single-flight: identical requests in flight at once go upstream once. The first caller becomes the
// leader and forwards; the others await the leader's result and are served from it, or fall through
// and forward themselves when the leader's response could not be cached (error, too large, aborted).
public sealed partial class ResponseCache
{
    private readonly ConcurrentDictionary<CacheKey, Flight> _flights = new();

    /// <summary>
    /// Returns true when the caller is the leader for <paramref name="key"/> and must call
    /// <see cref="CompleteFlight"/> exactly once; false when another request is already fetching it and
    /// <paramref name="flight"/> is that request's flight to await.
    /// </summary>
    public bool TryBeginFlight(CacheKey key, out Flight flight)
    {
        var mine = new Flight(key);
        var current = _flights.GetOrAdd(key, mine);
        flight = current;
        return ReferenceEquals(current, mine);
    }

    /// <summary>Publishes the leader's outcome (null = not cacheable: followers forward themselves).</summary>
    public void CompleteFlight(Flight flight, CachedResponse? response)
    {
        _flights.TryRemove(new KeyValuePair<CacheKey, Flight>(flight.Key, flight));
        flight.Complete(response);
    }

    public int FlightsInProgress => _flights.Count;

    public sealed class Flight
    {
        private readonly TaskCompletionSource<CachedResponse?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Flight(CacheKey key) => Key = key;

        public CacheKey Key { get; }

        /// <summary>Completes with the cached response, or null when followers must forward themselves.</summary>
        public Task<CachedResponse?> Result => _result.Task;

        internal void Complete(CachedResponse? response) => _result.TrySetResult(response);
    }
}
