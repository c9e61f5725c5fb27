using System.Collections.Concurrent;

namespace TokenOps.Proxy.Cache;

// Single-flight: identical requests in flight at once go upstream once. The first caller becomes the
// leader and forwards; the others await the leader's outcome and, when it stored the response, are
// served from the cache like any hit (each with its own copy of the entry). They forward themselves when
// the response could not be cached (error, too large, aborted) or is gone again (evicted meanwhile).
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

    /// <summary>Publishes the leader's outcome: whether it stored the response (false: followers forward themselves).</summary>
    public void CompleteFlight(Flight flight, bool stored)
    {
        _flights.TryRemove(new KeyValuePair<CacheKey, Flight>(flight.Key, flight));
        flight.Complete(stored);
    }

    public int FlightsInProgress => _flights.Count;

    public sealed class Flight
    {
        private readonly TaskCompletionSource<bool> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Flight(CacheKey key) => Key = key;

        public CacheKey Key { get; }

        /// <summary>Completes with true when the leader stored the response (look it up), false when followers must forward themselves.</summary>
        public Task<bool> Result => _result.Task;

        internal void Complete(bool stored) => _result.TrySetResult(stored);
    }
}
