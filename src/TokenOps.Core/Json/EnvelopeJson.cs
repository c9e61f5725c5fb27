using System.Buffers;
using System.Text.Json;
using TokenOps.Core.Events;

namespace TokenOps.Core.Json;

/// <summary>Convenience entry points for envelope JSON (all source-generated through <see cref="CoreJsonContext"/>).</summary>
public static class EnvelopeJson
{
    private static readonly JsonWriterOptions IndentedWriter = new() { Indented = true };

    public static byte[] SerializeToUtf8Bytes(Envelope envelope) =>
        JsonSerializer.SerializeToUtf8Bytes(envelope, CoreJsonContext.Default.Envelope);

    public static string Serialize(Envelope envelope, bool indented = false)
    {
        if (!indented)
        {
            return JsonSerializer.Serialize(envelope, CoreJsonContext.Default.Envelope);
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, IndentedWriter))
        {
            JsonSerializer.Serialize(writer, envelope, CoreJsonContext.Default.Envelope);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void WriteTo(Utf8JsonWriter writer, Envelope envelope) =>
        JsonSerializer.Serialize(writer, envelope, CoreJsonContext.Default.Envelope);

    /// <summary>Parses one envelope; throws <see cref="JsonException"/> on malformed JSON or an unsupported major version.</summary>
    public static Envelope Deserialize(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, CoreJsonContext.Default.Envelope)
        ?? throw new JsonException("Envelope JSON was null.");

    public static Envelope Deserialize(string json) =>
        JsonSerializer.Deserialize(json, CoreJsonContext.Default.Envelope)
        ?? throw new JsonException("Envelope JSON was null.");
}
