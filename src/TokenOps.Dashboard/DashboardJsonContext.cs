using System.Text.Json.Serialization;
using TokenOps.Dashboard.Api;
using TokenOps.Dashboard.Live;

namespace TokenOps.Dashboard;

/// <summary>The dashboard's own bodies (the reports themselves go out through InsightsJsonContext, exactly as the CLI prints them).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LiveEvent))]
[JsonSerializable(typeof(List<LiveEvent>))]
[JsonSerializable(typeof(DashboardMeta))]
[JsonSerializable(typeof(ApiError))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
