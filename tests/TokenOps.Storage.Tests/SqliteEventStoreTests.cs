using Microsoft.Data.Sqlite;
using TokenOps.Storage.Migrations;
using TokenOps.Testing.Time;

namespace TokenOps.Storage.Tests;

public sealed class SqliteEventStoreTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Open_NewPath_CreatesPrivateDirAndFileAppliesMigrationsOnceAndRecordsThem()
    {
        using var temp = new TestStore();
        using (SqliteEventStore.Open(temp.Options()))
        {
        }

        using (SqliteEventStore.Open(temp.Options()))
        {
        }

        Assert.True(File.Exists(temp.DbPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(temp.DbPath)!));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(temp.DbPath));
        }

        using var connection = new SqliteConnection($"Data Source={temp.DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, name FROM schema_migrations ORDER BY version;";
        using var reader = command.ExecuteReader();
        var applied = new List<(long, string)>();
        while (reader.Read())
        {
            applied.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        Assert.Equal([(1L, "0001_initial"), (2L, "0002_workflow_fingerprints"), (3L, "0003_report_index"), (4L, "0004_drop_hash_indexes")], applied);
        Assert.Equal(4, Migrator.LatestVersion);
        Assert.Equal(0, temp.Count("prompt_events"));
        Assert.Equal(0, temp.Count("events"));
    }

    [Fact]
    public void Open_StoreAtSchema3_DropsTheHashIndexesAndKeepsRowsAndTheOtherIndexes()
    {
        using var temp = new TestStore();
        Directory.CreateDirectory(Path.GetDirectoryName(temp.DbPath)!);
        using (var connection = new SqliteConnection($"Data Source={temp.DbPath};Pooling=False"))
        {
            // A store as TokenOps left it before schema 4: migrations 1-3 applied and recorded, one row written.
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL);";
            command.ExecuteNonQuery();
            foreach (var (version, name, sql) in Migrator.Embedded.Where(static m => m.Version <= 3))
            {
                command.CommandText = sql + $"INSERT INTO schema_migrations VALUES ({version}, '{name}', 0);";
                command.ExecuteNonQuery();
            }

            command.CommandText = "INSERT INTO prompt_events (id, ts_ms, source, schema_version, provider, operation, prompt_hash, messages_hash, usage_source) " +
                $"VALUES ('e1', {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}, 'proxy', '1', 'openai', 'chat', 'ph', 'mh', 'provider');";
            command.ExecuteNonQuery();
            Assert.Contains("ix_prompt_events_hash", Indexes(connection));
            Assert.Contains("ix_prompt_events_messages_hash", Indexes(connection));
        }

        using (SqliteEventStore.Open(temp.Options()))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={temp.DbPath};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            var indexes = Indexes(connection);
            Assert.DoesNotContain("ix_prompt_events_hash", indexes);
            Assert.DoesNotContain("ix_prompt_events_messages_hash", indexes);
            Assert.Contains("ix_prompt_events_ts", indexes);
            Assert.Contains("ix_prompt_events_report", indexes);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT prompt_hash || '/' || messages_hash FROM prompt_events WHERE id = 'e1';";
            Assert.Equal("ph/mh", command.ExecuteScalar());
            command.CommandText = "SELECT MAX(version) FROM schema_migrations;";
            Assert.Equal(4L, command.ExecuteScalar());
        }
    }

    private static List<string> Indexes(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name;";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    [Fact]
    public void Open_WalModeIsPersistedInTheFile()
    {
        using var temp = new TestStore();
        using (SqliteEventStore.Open(temp.Options()))
        {
        }

        using var connection = new SqliteConnection($"Data Source={temp.DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Fact]
    public void OpenWriteConnection_SmallPageCache_WalAndNormalSync()
    {
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options());
        using var connection = store.OpenWriteConnection();

        Assert.Equal(-512L, Pragma(connection, "cache_size"));
        Assert.Equal("wal", Pragma(connection, "journal_mode"));
        Assert.Equal(1L, Pragma(connection, "synchronous")); // NORMAL
    }

    private static object? Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name + ";";
        return command.ExecuteScalar();
    }

    [Fact]
    public void Open_GarbageFile_ThrowsCorruptWithPathAndRemedy()
    {
        using var temp = new TestStore();
        Directory.CreateDirectory(Path.GetDirectoryName(temp.DbPath)!);
        var garbage = new byte[8192];
        new Random(42).NextBytes(garbage);
        File.WriteAllBytes(temp.DbPath, garbage);

        var ex = Assert.Throws<StoreUnavailableException>(() => SqliteEventStore.Open(temp.Options()));

        Assert.Equal(StoreFailure.Corrupt, ex.Failure);
        Assert.Equal(temp.DbPath, ex.Path);
        Assert.Contains(temp.DbPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid SQLite database", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"mv '{temp.DbPath}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AnotherWriterHoldsTheLock_ThrowsLocked()
    {
        using var temp = new TestStore();
        using (SqliteEventStore.Open(temp.Options()))
        {
        }

        using var holder = new SqliteConnection($"Data Source={temp.DbPath};Pooling=False");
        holder.Open();
        using var transaction = holder.BeginTransaction(deferred: false);

        var ex = Assert.Throws<StoreUnavailableException>(() => SqliteEventStore.Open(temp.Options()));

        Assert.Equal(StoreFailure.Locked, ex.Failure);
        Assert.Contains("locked", ex.Message, StringComparison.Ordinal);
        Assert.Contains(temp.DbPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DirectoryIsAFile_ThrowsUnwritable()
    {
        using var temp = new TestStore();
        Directory.CreateDirectory(temp.Directory);
        var blocker = Path.Combine(temp.Directory, "not-a-dir");
        File.WriteAllText(blocker, "x");
        var options = temp.Options() with { Path = Path.Combine(blocker, "events.db") };

        var ex = Assert.Throws<StoreUnavailableException>(() => SqliteEventStore.Open(options));

        Assert.Equal(StoreFailure.Unwritable, ex.Failure);
        Assert.Contains(Path.Combine(blocker, "events.db"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("storage.path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SchemaFromNewerTokenOps_ThrowsIncompatible()
    {
        using var temp = new TestStore();
        using (SqliteEventStore.Open(temp.Options()))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={temp.DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations VALUES (999, '0999_future', 0);";
            command.ExecuteNonQuery();
        }

        var ex = Assert.Throws<StoreUnavailableException>(() => SqliteEventStore.Open(temp.Options()));

        Assert.Equal(StoreFailure.Incompatible, ex.Failure);
        Assert.Contains("999", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OldRows_RetentionDeletesThemAtStartAndTheDailyTimerDeletesNewlyOldOnes()
    {
        using var temp = new TestStore();
        var time = new ManualTimeProvider(Now);
        using (var seed = SqliteEventStore.Open(temp.Options(retentionDays: 0), time))
        {
            using var sink = seed.CreateSink();
            TestStore.Write(sink,
                TestStore.Prompt(Now.AddDays(-120)),
                TestStore.Prompt(Now.AddDays(-91)),
                TestStore.Prompt(Now.AddDays(-89.5)),
                TestStore.Prompt(Now.AddDays(-1)),
                Core.Events.Envelope.ForCoaching(new Core.Events.CoachingEvent { Kind = "k", Summary = "old" }, Now.AddDays(-100)),
                Core.Events.Envelope.ForCoaching(new Core.Events.CoachingEvent { Kind = "k", Summary = "new" }, Now.AddDays(-2)));
        }

        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 90), time);

        Assert.Equal(3, store.LastRetentionDeleted);
        Assert.Equal(2, temp.Count("prompt_events"));
        Assert.Equal(1, temp.Count("events"));

        // One day later the -89.5 day row is past 90 days: the daily timer removes it.
        time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(1, store.LastRetentionDeleted);
        Assert.Equal(1, temp.Count("prompt_events"));
        Assert.Equal(1, temp.Count("events"));
    }

    [Fact]
    public void Open_RetentionZero_KeepsEverythingAndStartsNoTimer()
    {
        using var temp = new TestStore();
        var time = new ManualTimeProvider(Now);
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0), time);
        using var sink = store.CreateSink();
        TestStore.Write(sink, TestStore.Prompt(Now.AddYears(-5)));

        Assert.Equal(0, store.ApplyRetention());
        Assert.Equal(0, time.ActiveTimerCount);
        Assert.Equal(1, temp.Count("prompt_events"));
    }

    [Fact]
    public void Dispose_StopsTheRetentionTimer()
    {
        using var temp = new TestStore();
        var time = new ManualTimeProvider(Now);
        var store = SqliteEventStore.Open(temp.Options(), time);
        Assert.Equal(1, time.ActiveTimerCount);

        store.Dispose();

        Assert.Equal(0, time.ActiveTimerCount);
    }
}
