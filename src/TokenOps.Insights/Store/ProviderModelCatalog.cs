using Microsoft.Data.Sqlite;

namespace TokenOps.Insights.Store;

/// <summary>
/// The distinct provider/model pairs of the whole store, in a few index seeks whatever its size: a loose index scan over
/// <c>ix_prompt_events_provider_model_ts</c> (one seek per pair, never a scan), ordered by provider then model. A null
/// model comes first within its provider.
/// </summary>
public static class ProviderModelCatalog
{
    /// <summary>At most this many pairs are read: a store is not expected to hold more, and the reads stay bounded.</summary>
    public const int MaxPairs = 500;

    public static List<(string Provider, string? Model)> Read(SqliteConnection connection, int max = MaxPairs)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var pairs = new List<(string Provider, string? Model)>();
        using var first = connection.CreateCommand();
        first.CommandText = "SELECT provider, model FROM prompt_events ORDER BY provider, model LIMIT 1";
        using var sameProvider = connection.CreateCommand();
        sameProvider.CommandText = "SELECT provider, model FROM prompt_events WHERE provider = $p AND model > $m ORDER BY provider, model LIMIT 1";
        using var nonNull = connection.CreateCommand();
        nonNull.CommandText = "SELECT provider, model FROM prompt_events WHERE provider = $p AND model IS NOT NULL ORDER BY provider, model LIMIT 1";
        using var nextProvider = connection.CreateCommand();
        nextProvider.CommandText = "SELECT provider, model FROM prompt_events WHERE provider > $p ORDER BY provider, model LIMIT 1";
        var current = Row(first, null, null);
        while (current is { } c && pairs.Count < max)
        {
            pairs.Add(c);
            current = (c.Model is null ? Row(nonNull, c.Provider, null) : Row(sameProvider, c.Provider, c.Model))
                ?? Row(nextProvider, c.Provider, null);
        }

        return pairs;
    }

    private static (string Provider, string? Model)? Row(SqliteCommand command, string? provider, string? model)
    {
        command.Parameters.Clear();
        if (command.CommandText.Contains("$p", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("$p", provider);
        }

        if (command.CommandText.Contains("$m", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("$m", model);
        }

        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }
}
