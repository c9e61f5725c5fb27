using TokenOps.Core.Caching;
using TokenOps.Storage.Cache;

namespace TokenOps.Storage.Tests.Cache;

public sealed class SqliteCachePersistenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenops-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Upsert_ThenReopen_LoadsLiveEntriesOnly_InCreationOrder()
    {
        var path = Path.Combine(_dir, "cache.db");
        using (var store = new SqliteCachePersistence(path))
        {
            store.Upsert(new PersistedCacheEntry(new string('b', 64), 200, ["content-type", "text/event-stream", "x-request-id", "r1"], [1, 2, 3], [2, 3], 2000, 100_000));
            store.Upsert(new PersistedCacheEntry(new string('a', 64), 201, [], [9], [1], 1000, 100_000));
            store.Upsert(new PersistedCacheEntry(new string('c', 64), 200, [], [7], [1], 500, 1500));
        }

        using var reopened = new SqliteCachePersistence(path);
        var live = reopened.LoadLive(nowUnixMs: 5000);
        Assert.Equal(2, live.Count);
        Assert.Equal(new string('a', 64), live[0].KeyHex);
        Assert.Equal(201, live[0].StatusCode);
        Assert.Equal(["content-type", "text/event-stream", "x-request-id", "r1"], live[1].HeaderNamesAndValues);
        Assert.Equal([1, 2, 3], live[1].Body);
        Assert.Equal([2, 3], live[1].SegmentEnds);
        Assert.Equal((2L, 4L), reopened.Count(5000));
    }

    [Fact]
    public void DeleteAndClear_RemoveEntries()
    {
        using var store = new SqliteCachePersistence(Path.Combine(_dir, "cache.db"));
        store.Upsert(new PersistedCacheEntry(new string('a', 64), 200, [], [1], [1], 1, 10_000));
        store.Upsert(new PersistedCacheEntry(new string('b', 64), 200, [], [1], [1], 1, 10_000));
        store.Delete(new string('a', 64));
        Assert.Single(store.LoadLive(0));
        store.Clear();
        Assert.Empty(store.LoadLive(0));
    }

    [Fact]
    public void NewFile_IsOwnerOnly()
    {
        var path = Path.Combine(_dir, "sub", "cache.db");
        using var store = new SqliteCachePersistence(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
