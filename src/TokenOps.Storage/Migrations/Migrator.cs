using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace TokenOps.Storage.Migrations;

/// <summary>
/// Forward-only migrations: the embedded <c>Migrations/NNNN_name.sql</c> scripts run in order, each in its
/// own IMMEDIATE transaction, and are recorded in <c>schema_migrations</c> so each runs exactly once even
/// if two processes open a new store at the same moment. A shipped script is never edited; add the next one.
/// </summary>
internal static class Migrator
{
    private const string ResourcePrefix = "TokenOps.Storage.Migrations.";

    public static IReadOnlyList<(int Version, string Name, string Sql)> Embedded { get; } = LoadEmbedded();

    public static int LatestVersion => Embedded[^1].Version;

    /// <summary>Applies the missing migrations; returns how many ran.</summary>
    public static int Apply(SqliteConnection connection, string path, TimeProvider time)
    {
        SqliteRuntime.Execute(connection,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL);");

        var current = CurrentVersion(connection, null);
        if (current > LatestVersion)
        {
            throw new StoreUnavailableException(path, StoreFailure.Incompatible,
                $"Event store '{path}' has schema version {current}, newer than this TokenOps understands ({LatestVersion}). " +
                "Upgrade TokenOps, or point storage.path at another file; proxying continues without storing events.");
        }

        var applied = 0;
        foreach (var (version, name, sql) in Embedded)
        {
            if (version <= current)
            {
                continue;
            }

            using var transaction = connection.BeginTransaction(deferred: false);
            // Re-check inside the write lock: another process may have migrated meanwhile.
            if (CurrentVersion(connection, transaction) >= version)
            {
                transaction.Rollback();
                continue;
            }

            SqliteRuntime.Execute(connection, sql, transaction);
            using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($v, $n, $t);";
                record.Parameters.AddWithValue("$v", version);
                record.Parameters.AddWithValue("$n", name);
                record.Parameters.AddWithValue("$t", time.GetUtcNow().ToUnixTimeMilliseconds());
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            applied++;
        }

        return applied;
    }

    public static int CurrentVersion(SqliteConnection connection, SqliteTransaction? transaction) =>
        Convert.ToInt32(SqliteRuntime.Scalar(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", transaction), CultureInfo.InvariantCulture);

    private static List<(int, string, string)> LoadEmbedded()
    {
        var assembly = typeof(Migrator).Assembly;
        var list = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[ResourcePrefix.Length..^4];
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(name.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Migration resource '{resource}' must be named NNNN_description.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add((version, name, reader.ReadToEnd()));
        }

        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }
}
