using System.Buffers.Binary;
using System.Text;
using Microsoft.Data.Sqlite;
using TokenOps.Core.Caching;

namespace TokenOps.Storage.Cache;

/// <summary>
/// Persists the response cache (<c>cache.persist=true</c>) in its own SQLite file (default
/// <c>~/.tokenops/cache.db</c>), separate from the event store so clearing or losing one never touches the
/// other. Entries hold provider responses, which may contain prompt-derived text: the file is created 0600.
/// Called only from the cache's background writer loop (one connection, no concurrency).
/// </summary>
public sealed class SqliteCachePersistence : ICachePersistence, IDisposable
{
    private readonly SqliteConnection _connection;

    public SqliteCachePersistence(string path)
    {
        SQLitePCL.Batteries_V2.Init();
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var isNew = !File.Exists(path);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        if (isNew && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Execute("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            PRAGMA busy_timeout=2000;
            CREATE TABLE IF NOT EXISTS cache_entries (
              key        TEXT PRIMARY KEY,
              status     INTEGER NOT NULL,
              headers    BLOB NOT NULL,
              body       BLOB NOT NULL,
              segments   BLOB NOT NULL,
              created_ms INTEGER NOT NULL,
              expires_ms INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_cache_entries_expires ON cache_entries(expires_ms);
            """);
    }

    public IReadOnlyList<PersistedCacheEntry> LoadLive(long nowUnixMs)
    {
        Execute($"DELETE FROM cache_entries WHERE expires_ms <= {nowUnixMs}");
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT key, status, headers, body, segments, created_ms, expires_ms FROM cache_entries ORDER BY created_ms";
        using var reader = command.ExecuteReader();
        var result = new List<PersistedCacheEntry>();
        while (reader.Read())
        {
            result.Add(new PersistedCacheEntry(
                reader.GetString(0),
                reader.GetInt32(1),
                DecodeStrings((byte[])reader[2]),
                (byte[])reader[3],
                DecodeInts((byte[])reader[4]),
                reader.GetInt64(5),
                reader.GetInt64(6)));
        }

        return result;
    }

    public void Upsert(PersistedCacheEntry entry)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO cache_entries (key, status, headers, body, segments, created_ms, expires_ms)
            VALUES ($key, $status, $headers, $body, $segments, $created, $expires)
            ON CONFLICT(key) DO UPDATE SET status=excluded.status, headers=excluded.headers, body=excluded.body,
              segments=excluded.segments, created_ms=excluded.created_ms, expires_ms=excluded.expires_ms
            """;
        command.Parameters.AddWithValue("$key", entry.KeyHex);
        command.Parameters.AddWithValue("$status", entry.StatusCode);
        command.Parameters.AddWithValue("$headers", EncodeStrings(entry.HeaderNamesAndValues));
        command.Parameters.AddWithValue("$body", entry.Body);
        command.Parameters.AddWithValue("$segments", EncodeInts(entry.SegmentEnds));
        command.Parameters.AddWithValue("$created", entry.CreatedAtUnixMs);
        command.Parameters.AddWithValue("$expires", entry.ExpiresAtUnixMs);
        command.ExecuteNonQuery();
    }

    public void Delete(string keyHex)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "DELETE FROM cache_entries WHERE key = $key";
        command.Parameters.AddWithValue("$key", keyHex);
        command.ExecuteNonQuery();
    }

    public void Clear() => Execute("DELETE FROM cache_entries");

    /// <summary>Entry count and bytes on disk, for <c>tokenops cache stats</c> when no daemon runs.</summary>
    public (long Entries, long BodyBytes) Count(long nowUnixMs)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT count(*), coalesce(sum(length(body)), 0) FROM cache_entries WHERE expires_ms > {nowUnixMs}";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public void Dispose() => _connection.Dispose();

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // Headers: [count][len][utf8]...; segments: little-endian int32s. Compact and independent of any JSON context.
    private static byte[] EncodeStrings(string[] values)
    {
        using var stream = new MemoryStream();
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, values.Length);
        stream.Write(number);
        foreach (var value in values)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            BinaryPrimitives.WriteInt32LittleEndian(number, bytes.Length);
            stream.Write(number);
            stream.Write(bytes);
        }

        return stream.ToArray();
    }

    private static string[] DecodeStrings(byte[] data)
    {
        var span = data.AsSpan();
        var count = BinaryPrimitives.ReadInt32LittleEndian(span);
        var result = new string[count];
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
            offset += 4;
            result[i] = Encoding.UTF8.GetString(span.Slice(offset, length));
            offset += length;
        }

        return result;
    }

    private static byte[] EncodeInts(int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private static int[] DecodeInts(byte[] data)
    {
        var result = new int[data.Length / 4];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(i * 4));
        }

        return result;
    }
}
