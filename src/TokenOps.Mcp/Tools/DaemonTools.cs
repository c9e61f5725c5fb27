using System.Buffers;
using System.Text.Json;
using TokenOps.Storage;
using TokenOps.Storage.Queries;

namespace TokenOps.Mcp.Tools;

/// <summary>tokenops_status and tokenops_cache_stats: what the running daemon reports (its /readyz and /api/cache/stats), plus the store as read from disk.</summary>
internal static class DaemonTools
{
    public static IEnumerable<McpTool> Create(McpToolContext context)
    {
        var baseUrl = context.DaemonUrl.TrimEnd('/');
        yield return new McpTool(
            "tokenops_status", "Status",
            "Whether the TokenOps daemon is running, its counters (requests, bus, sinks, cache, exporter), and the event store's size and event counts — `tokenops status --json` plus the store.",
            InsightsTools.Schema(""),
            """{ "type": "object", "properties": { "daemon_running": { "type": "boolean" }, "store_enabled": { "type": "boolean" } }, "required": ["daemon_running", "store_enabled"] }""",
            async (args, ct) =>
            {
                var ready = await InsightsTools.GetDaemonJsonAsync(baseUrl + "/readyz", ct).ConfigureAwait(false);
                StoreStats? stats = null;
                string? storeError = null;
                if (File.Exists(context.StorePath))
                {
                    try
                    {
                        using var queries = EventQueries.OpenReadOnly(context.StorePath);
                        stats = queries.Stats();
                    }
                    catch (StoreUnavailableException ex)
                    {
                        storeError = ex.Message;
                    }
                }

                var buffer = new ArrayBufferWriter<byte>();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    writer.WriteBoolean("daemon_running", ready is not null);
                    writer.WriteString("daemon_url", baseUrl);
                    writer.WriteBoolean("store_enabled", context.StoreEnabled);
                    writer.WriteString("store_path", context.StorePath);
                    if (ready is { } r)
                    {
                        writer.WritePropertyName("daemon");
                        r.WriteTo(writer);
                    }

                    if (stats is not null)
                    {
                        writer.WritePropertyName("store");
                        JsonSerializer.Serialize(writer, stats, StorageJsonContext.Default.StoreStats);
                    }

                    if (storeError is not null)
                    {
                        writer.WriteString("store_error", storeError);
                    }

                    writer.WriteEndObject();
                }

                using var document = JsonDocument.Parse(buffer.WrittenMemory);
                var text = (ready is null ? $"The daemon is not running at {baseUrl} (start it with `tokenops start`)." : $"The daemon is running at {baseUrl}.")
                    + (stats is null ? " No event store file yet." : $" Store: {stats.TotalEvents} events in {stats.Path}.");
                return new ToolOutput(document.RootElement.Clone(), text);
            });

        yield return new McpTool(
            "tokenops_cache_stats", "Cache stats",
            "Response cache entries, bytes, hit ratio and the tokens and dollars it saved — `tokenops cache stats --json` (asks the running daemon).",
            InsightsTools.Schema(""),
            AnyCacheSchema,
            async (args, ct) =>
            {
                var stats = await InsightsTools.GetDaemonJsonAsync(baseUrl + "/api/cache/stats", ct).ConfigureAwait(false)
                    ?? throw new ToolInputException($"The daemon is not running at {baseUrl}; the response cache lives in its memory. Start it with `tokenops start --cache`.");
                var enabled = stats.TryGetProperty("enabled", out var e) && e.ValueKind == JsonValueKind.True;
                return new ToolOutput(stats, enabled ? "Cache statistics from the running daemon." : "The response cache is off (enable with `tokenops start --cache` or cache.enabled=true).");
            });
    }

    private const string AnyCacheSchema = """{ "type": "object", "properties": { "enabled": { "type": "boolean" }, "entries": { "type": "integer" }, "hits": { "type": "integer" }, "misses": { "type": "integer" } }, "required": ["enabled"] }""";
}
