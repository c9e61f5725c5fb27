using System.Text.Json.Serialization;

namespace TokenOps.Insights.Replay;

/// <summary>Source-generated JSON (snake_case) of the replay report: <c>tokenops replay --json</c> and MCP.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReplayReport))]
public sealed partial class ReplayJsonContext : JsonSerializerContext;
