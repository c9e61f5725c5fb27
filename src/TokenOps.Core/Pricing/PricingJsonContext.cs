using System.Text.Json;
using System.Text.Json.Serialization;

namespace TokenOps.Core.Pricing;

/// <summary>Source-generated JSON for the rate card (reflection JSON is off everywhere). Unknown fields are errors so typos in overrides surface.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(RateCardDocument))]
[JsonSerializable(typeof(List<RateRow>))]
public sealed partial class PricingJsonContext : JsonSerializerContext;
