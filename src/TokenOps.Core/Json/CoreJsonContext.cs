using System.Text.Json.Serialization;
using TokenOps.Core.Bus;
using TokenOps.Core.Events;

namespace TokenOps.Core.Json;

/// <summary>
/// Source-generated JSON for everything Core puts on the wire or in the store (reflection JSON is off).
/// snake_case_lower names; nulls are omitted so an unpriced or unmetered field is absent rather than 0.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Envelope))]
[JsonSerializable(typeof(List<Envelope>))]
[JsonSerializable(typeof(PromptEvent))]
[JsonSerializable(typeof(OptimizationEvent))]
[JsonSerializable(typeof(WorkflowEvent))]
[JsonSerializable(typeof(CoachingEvent))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(BusCounters))]
public sealed partial class CoreJsonContext : JsonSerializerContext;
