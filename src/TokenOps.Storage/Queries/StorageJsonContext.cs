using System.Text.Json.Serialization;

namespace TokenOps.Storage.Queries;

/// <summary>Source-generated JSON for the query results (<c>--json</c> output of the CLI, MCP tools).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PromptEventRow))]
[JsonSerializable(typeof(IReadOnlyList<PromptEventRow>))]
[JsonSerializable(typeof(StoreStats))]
public sealed partial class StorageJsonContext : JsonSerializerContext;
