using Microsoft.Data.Sqlite;

namespace TokenOps.Insights.Store;

/// <summary>Read-only access to the event store. The daemon writes in WAL mode, so readers never block it.</summary>
public static class InsightsStore
{
    private static int _initialized;

    /// <summary>Opens <paramref name="path"/> read-only. Throws <see cref="StoreNotFoundException"/> when there is no store yet.</summary>
    public static SqliteConnection OpenReadOnly(string path)
    {
        if (Interlocked.Exchange(ref _initialized, 1) == 0)
        {
            SQLitePCL.Batteries_V2.Init();
        }

        if (!File.Exists(path))
        {
            throw new StoreNotFoundException(path);
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000;";
        pragma.ExecuteNonQuery();
        return connection;
    }
}

/// <summary>No store file: storage is off or nothing was recorded yet.</summary>
public sealed class StoreNotFoundException(string path)
    : Exception($"No event store at '{path}'. Turn storage on (storage.enabled=true, --store or TOKENOPS_STORAGE_ENABLED=1) and send requests through the proxy, or run `tokenops demo`.")
{
    public string StorePath { get; } = path;
}
