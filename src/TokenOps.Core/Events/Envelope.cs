using System.Text.Json.Serialization;
using TokenOps.Core.Json;

namespace TokenOps.Core.Events;

/// <summary>
/// The unit on the bus and in the store: <c>{ id (UUIDv7), schema_version, type, timestamp, source, attributes, payload }</c>.
/// Exactly one payload property is set, matching <see cref="Type"/>; on the wire it is the single
/// <c>payload</c> object (see <see cref="EnvelopeJsonConverter"/>).
/// </summary>
/// <remarks>
/// Schema version bump rule (semver, also in docs/events.md):
/// <list type="bullet">
/// <item>patch: documentation only, the JSON does not change;</item>
/// <item>minor: additive, optional fields (or a new event type) that old readers may ignore;</item>
/// <item>major: a field renamed or removed, a type changed, or the meaning of a value changed.</item>
/// </list>
/// Readers accept every envelope with the same major version and ignore fields they do not know;
/// a different major is rejected with a clear error instead of being misread.
/// </remarks>
[JsonConverter(typeof(EnvelopeJsonConverter))]
public sealed class Envelope
{
    public const string CurrentSchemaVersion = "1.0.0";
    public const int CurrentSchemaMajor = 1;

    public Envelope()
        : this(NewId())
    {
    }

    private Envelope(string id) => Id = id;

    public string Id { get; init; }
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    /// <summary>prompt | optimization | workflow | coaching.</summary>
    public string Type { get; init; } = EventTypes.Prompt;
    public DateTimeOffset Timestamp { get; init; }
    /// <summary>proxy | replay | demo | daemon.</summary>
    public string Source { get; init; } = EventSources.Proxy;
    public Dictionary<string, string>? Attributes { get; init; }

    public PromptEvent? Prompt { get; init; }
    public OptimizationEvent? Optimization { get; init; }
    public WorkflowEvent? Workflow { get; init; }
    public CoachingEvent? Coaching { get; init; }

    /// <summary>A new envelope id (UUIDv7, RFC 9562: 48-bit unix milliseconds, then 74 random bits; time-ordered).</summary>
    /// <remarks>
    /// The random bits come from <see cref="Random.Shared"/> (xoshiro, seeded once from the OS) rather than
    /// <see cref="Guid.CreateVersion7()"/>, which asks the kernel (getrandom) for every id: one syscall per event on
    /// the metering thread, and syscalls are what this daemon's CPU goes to on a VM. An id needs to be unique, not
    /// unpredictable: 74 random bits per millisecond make a collision practically impossible.
    /// </remarks>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[6..]);
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)ms;
            ms >>= 8;
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10
        return new Guid(bytes, bigEndian: true).ToString();
    }

    /// <summary>The prompt's envelope; its id is <see cref="PromptEvent.EnvelopeId"/> when one was reserved.</summary>
    public static Envelope ForPrompt(PromptEvent prompt, string source = EventSources.Proxy)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return new Envelope(prompt.EnvelopeId ?? NewId())
        {
            Type = EventTypes.Prompt,
            Timestamp = prompt.StartedAt,
            Source = source,
            Prompt = prompt,
        };
    }

    public static Envelope ForOptimization(OptimizationEvent optimization, DateTimeOffset timestamp, string source = EventSources.Proxy) => new()
    {
        Type = EventTypes.Optimization,
        Timestamp = timestamp,
        Source = source,
        Optimization = optimization,
    };

    public static Envelope ForWorkflow(WorkflowEvent workflow, DateTimeOffset timestamp, string source = EventSources.Daemon) => new()
    {
        Type = EventTypes.Workflow,
        Timestamp = timestamp,
        Source = source,
        Workflow = workflow,
    };

    public static Envelope ForCoaching(CoachingEvent coaching, DateTimeOffset timestamp, string source = EventSources.Daemon) => new()
    {
        Type = EventTypes.Coaching,
        Timestamp = timestamp,
        Source = source,
        Coaching = coaching,
    };

    /// <summary>Major component of a semver string ("1.2.0" → 1); -1 when it cannot be parsed.</summary>
    public static int ParseMajor(string? schemaVersion)
    {
        if (string.IsNullOrEmpty(schemaVersion))
        {
            return -1;
        }

        var dot = schemaVersion.IndexOf('.', StringComparison.Ordinal);
        var head = dot < 0 ? schemaVersion.AsSpan() : schemaVersion.AsSpan(0, dot);
        return int.TryParse(head, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var major) ? major : -1;
    }
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
