using Microsoft.Data.Sqlite;
using TokenOps.Core.Bus;
using TokenOps.Storage.Migrations;
using TokenOps.Storage.Queries;

namespace TokenOps.Storage;

/// <summary>
/// The opt-in local event store (storage.enabled): one SQLite file in WAL mode, migrated forward on open,
/// trimmed to storage.retention_days at open and then daily.
/// </summary>
/// <remarks>
/// Daemon wiring: <c>var store = SqliteEventStore.Open(options)</c> (catch <see cref="StoreUnavailableException"/>:
/// log its message, run without a store), then <c>store.CreateSink()</c> as a bus sink. Readers (CLI, Insights)
/// use <see cref="EventQueries.OpenReadOnly"/> on the same path, also while the daemon writes.
/// </remarks>
public sealed class SqliteEventStore : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<Exception>? _onBackgroundError;
    private readonly ITimer? _retentionTimer;

    private SqliteEventStore(string path, StoreOptions options, TimeProvider time, Action<Exception>? onBackgroundError)
    {
        Path = path;
        Options = options;
        _time = time;
        _onBackgroundError = onBackgroundError;
        if (options.RetentionDays > 0)
        {
            _retentionTimer = time.CreateTimer(static state => ((SqliteEventStore)state!).RunScheduledRetention(), this, options.RetentionInterval, options.RetentionInterval);
        }
    }

    /// <summary>Absolute path of the database file.</summary>
    public string Path { get; }

    public StoreOptions Options { get; }

    /// <summary>Rows deleted by the most recent retention run.</summary>
    public long LastRetentionDeleted { get; private set; }

    /// <summary>
    /// Creates the directory (0700) and file (0600) if needed, switches to WAL, applies migrations and
    /// retention, and starts the daily retention timer.
    /// </summary>
    /// <exception cref="StoreUnavailableException">Corrupt, locked, unwritable or newer-schema database.</exception>
    public static SqliteEventStore Open(StoreOptions options, TimeProvider? timeProvider = null, Action<Exception>? onBackgroundError = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = StorePaths.Expand(options.Path);
        var time = timeProvider ?? TimeProvider.System;
        try
        {
            EnsureFile(path);
            using (var connection = SqliteRuntime.OpenReadWrite(path, options.BusyTimeout))
            {
                Migrator.Apply(connection, path, time);
            }

            var store = new SqliteEventStore(path, options, time, onBackgroundError);
            try
            {
                store.ApplyRetention();
            }
            catch
            {
                store.Dispose();
                throw;
            }

            return store;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or StoreUnavailableException)
        {
            throw StoreUnavailableException.From(path, ex);
        }
    }

    /// <summary>A bus sink writing into this store: one transaction per batch. Dispose it after the bus stopped.</summary>
    public IEventSink CreateSink() => new SqliteEventSink(this);

    /// <summary>Queries over this store on a read-only connection.</summary>
    public EventQueries OpenQueries() => EventQueries.OpenReadOnly(Path, Options.BusyTimeout);

    internal SqliteConnection OpenWriteConnection() => SqliteRuntime.OpenReadWrite(Path, Options.BusyTimeout);

    /// <summary>Deletes events older than <see cref="StoreOptions.RetentionDays"/>; returns the rows deleted.</summary>
    public long ApplyRetention()
    {
        if (Options.RetentionDays <= 0)
        {
            return 0;
        }

        var cutoff = (_time.GetUtcNow() - TimeSpan.FromDays(Options.RetentionDays)).ToUnixTimeMilliseconds();
        using var connection = OpenWriteConnection();
        using var transaction = connection.BeginTransaction(deferred: false);
        long deleted = 0;
        foreach (var table in (ReadOnlySpan<string>)["prompt_events", "events"])
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"DELETE FROM {table} WHERE ts_ms < $cutoff;";
            command.Parameters.AddWithValue("$cutoff", cutoff);
            deleted += command.ExecuteNonQuery();
        }

        transaction.Commit();
        LastRetentionDeleted = deleted;
        return deleted;
    }

    private void RunScheduledRetention()
    {
        try
        {
            ApplyRetention();
        }
        catch (Exception ex)
        {
            // A failed daily trim is retried tomorrow; it must never crash the timer thread.
            _onBackgroundError?.Invoke(StoreUnavailableException.From(Path, ex));
        }
    }

    private static void EnsureFile(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                // Events describe what the user sends to LLMs: only the user may list or read them.
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (!File.Exists(path))
        {
            // An empty file is a valid empty database; creating it ourselves sets 0600 (SQLite gives the
            // -wal and -shm files the same mode).
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var _ = new FileStream(path, create);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: fine.
            }
        }
    }

    public void Dispose() => _retentionTimer?.Dispose();
}
