namespace TokenOps.Core.Caching;

/// <summary>
/// Where the response cache keeps entries across restarts (<c>cache.persist=true</c>). Implemented by the
/// storage layer; the proxy only sees this interface. Calls come from a background loop, never from a request.
/// </summary>
public interface ICachePersistence
{
    /// <summary>All entries not yet expired at <paramref name="nowUnixMs"/>, oldest first.</summary>
    IReadOnlyList<PersistedCacheEntry> LoadLive(long nowUnixMs);

    void Upsert(PersistedCacheEntry entry);

    void Delete(string keyHex);

    void Clear();
}

/// <summary>One cache entry as stored: headers as alternating name/value strings, segment ends as offsets into the body.</summary>
public sealed record PersistedCacheEntry(
    string KeyHex,
    int StatusCode,
    string[] HeaderNamesAndValues,
    byte[] Body,
    int[] SegmentEnds,
    long CreatedAtUnixMs,
    long ExpiresAtUnixMs);
