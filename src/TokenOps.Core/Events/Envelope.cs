namespace TokenOps.Core.Events;

/// <summary>
/// The unit on the bus and in the store: <c>{ id (UUIDv7), schema_version, type, timestamp, source, attributes, payload }</c>.
/// Exactly one payload property is set, matching <see cref="Type"/>.
/// </summary>
public sealed class Envelope
{
    public const string CurrentSchemaVersion = "1.0.0";

    public string Id { get; init; } = Guid.CreateVersion7().ToString();
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    /// <summary>prompt | optimization | workflow | coaching.</summary>
    public string Type { get; init; } = EventTypes.Prompt;
    public DateTimeOffset Timestamp { get; init; }
    /// <summary>proxy | replay | demo | daemon.</summary>
    public string Source { get; init; } = EventSources.Proxy;
    public Dictionary<string, string>? Attributes { get; init; }

    public PromptEvent? Prompt { get; init; }

    public static Envelope ForPrompt(PromptEvent prompt, string source = EventSources.Proxy) => new()
    {
        Type = EventTypes.Prompt,
        Timestamp = prompt.StartedAt,
        Source = source,
        Prompt = prompt,
    };
}

public static class EventTypes
{
    public const string Prompt = "prompt";
    public const string Optimization = "optimization";
    public const string Workflow = "workflow";
    public const string Coaching = "coaching";
}

public static class EventSources
{
    public const string Proxy = "proxy";
    public const string Replay = "replay";
    public const string Demo = "demo";
    public const string Daemon = "daemon";
}
