using System.Text;
using Microsoft.Data.Sqlite;

namespace TokenOps.Insights.Store;

/// <summary>The common WHERE clause of every report: a half-open time range plus optional attribute filters.</summary>
public sealed record EventFilter
{
    /// <summary>The providers the proxy meters: every value <see cref="Provider"/> can match (see <see cref="TryParseProvider"/>).</summary>
    public static IReadOnlyList<string> KnownProviders { get; } = [Core.Events.Providers.OpenAI, Core.Events.Providers.Anthropic, Core.Events.Providers.Gemini];

    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    public string? Provider { get; init; }
    /// <summary>Exact model (the store's <c>model</c> column, response model ?? request model).</summary>
    public string? Model { get; init; }
    public string? Workflow { get; init; }
    public string? Agent { get; init; }
    /// <summary>Rows with source='demo' are excluded unless this is true.</summary>
    public bool IncludeDemo { get; init; }

    /// <summary>
    /// A provider filter as a user typed it (CLI <c>--provider</c>, the dashboard's <c>provider=</c>): null or blank is no filter,
    /// any case is accepted, anything but a <see cref="KnownProviders"/> value is refused, since it could only match nothing.
    /// </summary>
    /// <param name="value">The raw value.</param>
    /// <param name="provider">The lower-cased provider, or null for no filter.</param>
    /// <param name="error">Why the value was refused, e.g. <c>must be one of openai|anthropic|gemini, not 'mistral'</c> (the caller names the option).</param>
    public static bool TryParseProvider(string? value, out string? provider, out string? error)
    {
        provider = null;
        error = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        var lower = value.Trim().ToLowerInvariant();
        foreach (var known in KnownProviders)
        {
            if (known == lower)
            {
                provider = known;
                return true;
            }
        }

        error = $"must be one of {string.Join("|", KnownProviders)}, not '{value}'";
        return false;
    }

    /// <summary>Appends " WHERE ..." using the ts index first, and binds the parameters on <paramref name="command"/>.</summary>
    internal void AppendWhere(StringBuilder sql, SqliteCommand command)
    {
        sql.Append(" WHERE ts_ms >= $since AND ts_ms < $until");
        command.Parameters.AddWithValue("$since", Since.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$until", Until.ToUnixTimeMilliseconds());
        if (!IncludeDemo)
        {
            sql.Append(" AND source <> 'demo'");
        }

        Add(sql, command, "provider", Provider);
        Add(sql, command, "model", Model);
        Add(sql, command, "workflow_id", Workflow);
        Add(sql, command, "agent_id", Agent);
    }

    private static void Add(StringBuilder sql, SqliteCommand command, string column, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            sql.Append(" AND ").Append(column).Append(" = $").Append(column);
            command.Parameters.AddWithValue("$" + column, value);
        }
    }
}
