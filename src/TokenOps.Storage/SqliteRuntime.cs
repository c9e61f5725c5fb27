using Microsoft.Data.Sqlite;

namespace TokenOps.Storage;

/// <summary>Process-wide SQLite setup and connection factory (pragmas every connection needs).</summary>
internal static class SqliteRuntime
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        // Selects the e_sqlite3 provider: the bundle's .so under JIT, the statically linked library under
        // Native AOT (aot/TokenOps.Aot.targets turns its P/Invokes into direct calls).
        SQLitePCL.Batteries_V2.Init();
        return true;
    });

    public static void EnsureInitialized() => _ = Initialized.Value;

    public static SqliteConnection OpenReadWrite(string path, TimeSpan busyTimeout)
    {
        EnsureInitialized();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false, // one long-lived writer; pooling would also keep files open after Dispose
            DefaultTimeout = CommandTimeoutSeconds(busyTimeout),
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(int)busyTimeout.TotalMilliseconds};");
            // WAL: readers (the CLI) never block the writer and vice versa. https://www.sqlite.org/wal.html
            var mode = Scalar(connection, "PRAGMA journal_mode = WAL;") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new StoreUnavailableException(path, StoreFailure.Other,
                    $"Event store '{path}' could not switch to WAL mode (got '{mode}'); is it on a network file system? Set storage.path to a local disk.");
            }

            // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash or power loss
            // can roll back the last commits. https://www.sqlite.org/pragma.html#pragma_synchronous
            Execute(connection, "PRAGMA synchronous = NORMAL;");
            // The writer appends: rows at the end of the table, index entries at the end of time-ordered indexes (schema
            // 4 dropped the two random-key ones), so its working set is a few pages per B-tree. 512 KiB instead of
            // SQLite's default 2 MiB keeps ~1.5 MB out of the daemon's RSS; readers open their own connections.
            Execute(connection, "PRAGMA cache_size = -512;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static SqliteConnection OpenReadOnly(string path, TimeSpan busyTimeout)
    {
        EnsureInitialized();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = CommandTimeoutSeconds(busyTimeout),
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(int)busyTimeout.TotalMilliseconds};");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command.ExecuteScalar();
    }

    // Microsoft.Data.Sqlite retries SQLITE_BUSY itself until the command timeout (whole seconds).
    private static int CommandTimeoutSeconds(TimeSpan busyTimeout) => Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds));
}
