using TokenOps.Core.Events;
using TokenOps.Storage.Queries;

namespace TokenOps.Storage.Tests.Queries;

public sealed class EventQueriesTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static (TestStore Temp, SqliteEventStore Store) Seeded()
    {
        var temp = new TestStore();
        var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        using var sink = store.CreateSink();
        TestStore.Write(sink,
            TestStore.Prompt(Now.AddHours(-30), Providers.OpenAI, "gpt-4o", "wf-a", input: 1),
            TestStore.Prompt(Now.AddHours(-5), Providers.OpenAI, "gpt-4o-mini", "wf-a", input: 2),
            TestStore.Prompt(Now.AddHours(-4), Providers.Anthropic, "claude-sonnet-4-5", "wf-b", input: 3),
            TestStore.Prompt(Now.AddHours(-3), Providers.Gemini, "gemini-2.5-flash", null, input: 4),
            TestStore.Prompt(Now.AddHours(-2), Providers.OpenAI, "gpt-4o", null, input: 5),
            TestStore.Prompt(Now.AddHours(-1), Providers.Anthropic, "claude-sonnet-4-5", "wf-a", input: 6));
        return (temp, store);
    }

    private static long[] Inputs(IReadOnlyList<PromptEventRow> rows) => rows.Select(r => r.InputTokens!.Value).ToArray();

    [Fact]
    public void Recent_NoFilter_NewestFirst()
    {
        var (temp, store) = Seeded();
        using (temp)
        using (store)
        using (var queries = store.OpenQueries())
        {
            var rows = queries.Recent();

            Assert.Equal([6, 5, 4, 3, 2, 1], Inputs(rows));
            var top = rows[0];
            Assert.Equal(Now.AddHours(-1), top.Timestamp);
            Assert.Equal(Providers.Anthropic, top.Provider);
            Assert.Equal("claude-sonnet-4-5", top.Model);
            Assert.Equal("chat", top.Operation);
            Assert.Equal(10, top.OutputTokens);
            Assert.Equal(42, top.LatencyMs);
            Assert.Equal(200, top.StatusCode);
            Assert.Equal(UsageSources.Provider, top.UsageSource);
            Assert.Equal("wf-a", top.WorkflowId);
        }
    }

    [Fact]
    public void Recent_EachFilter_SelectsOnlyMatchingRows()
    {
        var (temp, store) = Seeded();
        using (temp)
        using (store)
        using (var queries = store.OpenQueries())
        {
            Assert.Equal([6, 5, 4, 3, 2], Inputs(queries.Recent(new EventFilter { Since = Now.AddHours(-24) })));
            Assert.Equal([3, 2, 1], Inputs(queries.Recent(new EventFilter { Until = Now.AddHours(-3) })));
            Assert.Equal([4, 3], Inputs(queries.Recent(new EventFilter { Since = Now.AddHours(-4), Until = Now.AddHours(-2) })));
            Assert.Equal([5, 2, 1], Inputs(queries.Recent(new EventFilter { Provider = "OpenAI" })));
            Assert.Equal([5, 1], Inputs(queries.Recent(new EventFilter { Model = "gpt-4o" })));
            Assert.Equal([6, 2, 1], Inputs(queries.Recent(new EventFilter { Workflow = "wf-a" })));
            Assert.Equal([6], Inputs(queries.Recent(new EventFilter { Workflow = "wf-a", Provider = Providers.Anthropic })));
            Assert.Equal([6, 5], Inputs(queries.Recent(new EventFilter { Limit = 2 })));
            Assert.Equal([6], Inputs(queries.Recent(new EventFilter { Limit = 0 })));
            Assert.Empty(queries.Recent(new EventFilter { Model = "nope" }));
        }
    }

    [Fact]
    public void Stats_SeededStore_ReportsCountsRangeAndSize()
    {
        var (temp, store) = Seeded();
        using (temp)
        using (store)
        using (var queries = store.OpenQueries())
        {
            var stats = queries.Stats();

            Assert.Equal(temp.DbPath, stats.Path);
            Assert.Equal(6, stats.TotalEvents);
            Assert.Equal(6, stats.CountsByType[EventTypes.Prompt]);
            Assert.Single(stats.CountsByType);
            Assert.Equal(Now.AddHours(-30), stats.FirstTimestamp);
            Assert.Equal(Now.AddHours(-1), stats.LastTimestamp);
            Assert.Equal(4, stats.SchemaVersion);
            Assert.Equal(new FileInfo(temp.DbPath).Length + new FileInfo(temp.DbPath + "-wal").Length, stats.FileSizeBytes);
            Assert.True(stats.FileSizeBytes > 0);
        }
    }

    [Fact]
    public void OpenReadOnly_WhileWriterOpen_SeesCommittedBatchesAsTheyArrive()
    {
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        using var sink = store.CreateSink();
        TestStore.Write(sink, TestStore.Prompt(Now));

        using var reader = EventQueries.OpenReadOnly(temp.DbPath);
        Assert.Single(reader.Recent());

        // The writer keeps writing while the reader's connection stays open (WAL: neither blocks).
        TestStore.Write(sink, TestStore.Prompt(Now.AddSeconds(1)), TestStore.Prompt(Now.AddSeconds(2)));

        Assert.Equal(3, reader.Recent().Count);
        Assert.Equal(3, reader.Stats().TotalEvents);
    }

    [Fact]
    public void OpenReadOnly_AfterDaemonStopped_StillReads()
    {
        using var temp = new TestStore();
        using (var store = SqliteEventStore.Open(temp.Options(retentionDays: 0)))
        using (var sink = store.CreateSink())
        {
            TestStore.Write(sink, TestStore.Prompt(Now));
        }

        using var reader = EventQueries.OpenReadOnly(temp.DbPath);

        Assert.Single(reader.Recent());
    }

    [Fact]
    public void OpenReadOnly_NoStoreFile_ThrowsNotFoundExplainingHowToEnable()
    {
        using var temp = new TestStore();

        var ex = Assert.Throws<StoreUnavailableException>(() => EventQueries.OpenReadOnly(temp.DbPath));

        Assert.Equal(StoreFailure.NotFound, ex.Failure);
        Assert.Contains(temp.DbPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("storage.enabled", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenReadOnly_GarbageFile_ThrowsCorrupt()
    {
        using var temp = new TestStore();
        Directory.CreateDirectory(Path.GetDirectoryName(temp.DbPath)!);
        File.WriteAllText(temp.DbPath, new string('x', 5000));

        var ex = Assert.Throws<StoreUnavailableException>(() => EventQueries.OpenReadOnly(temp.DbPath));

        Assert.Equal(StoreFailure.Corrupt, ex.Failure);
    }

    [Fact]
    public void Rows_SerializeWithSourceGeneratedContext()
    {
        var (temp, store) = Seeded();
        using (temp)
        using (store)
        using (var queries = store.OpenQueries())
        {
            var json = System.Text.Json.JsonSerializer.Serialize(queries.Recent(new EventFilter { Limit = 1 }), StorageJsonContext.Default.IReadOnlyListPromptEventRow);

            Assert.StartsWith("[{\"id\":", json, StringComparison.Ordinal);
            Assert.Contains("\"input_tokens\":6", json, StringComparison.Ordinal);
            Assert.DoesNotContain("cost_usd", json, StringComparison.Ordinal);
        }
    }
}
