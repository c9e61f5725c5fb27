using System.Text;
using Microsoft.Data.Sqlite;

namespace TokenOps.Insights.Store;

/// <summary>The common WHERE clause of every report: a half-open time range plus optional attribute filters.</summary>
public sealed record EventFilter
{
    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    public string? Provider { get; init; }
    /// <summary>Exact model (the store's <c>model</c> column, response model ?? request model).</summary>
    public string? Model { get; init; }
    public string? Workflow { get; init; }
    public string? Agent { get; init; }
    /// <summary>Rows with source='demo' are excluded unless this is true.</summary>
    public bool IncludeDemo { get; init; }

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
