using System.Text.Json;
using System.Text.Json.Serialization;
using TokenOps.Core.Events;

namespace TokenOps.Core.Json;

/// <summary>
/// Writes and reads <see cref="Envelope"/> as <c>{ id, schema_version, type, timestamp, source, attributes?, payload }</c>
/// where <c>payload</c> is the payload object that matches <c>type</c>. Payloads themselves are
/// serialized by <see cref="CoreJsonContext"/> (source-generated, AOT-safe).
/// </summary>
/// <remarks>
/// Reading accepts the properties in any order: a <c>payload</c> seen before <c>type</c> is skipped and
/// re-read from a saved copy of the reader (the serializer buffers a custom converter's whole value).
/// Unknown properties and unknown event types (a newer minor version) are ignored; a different major
/// schema version is rejected (see the bump rule on <see cref="Envelope"/>).
/// </remarks>
public sealed class EnvelopeJsonConverter : JsonConverter<Envelope>
{
    public override void Write(Utf8JsonWriter writer, Envelope value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, value.Id);
        writer.WriteString("schema_version"u8, value.SchemaVersion);
        writer.WriteString("type"u8, value.Type);
        writer.WriteString("timestamp"u8, value.Timestamp);
        writer.WriteString("source"u8, value.Source);
        if (value.Attributes is not null)
        {
            writer.WritePropertyName("attributes"u8);
            JsonSerializer.Serialize(writer, value.Attributes, CoreJsonContext.Default.DictionaryStringString);
        }

        switch (value.Type)
        {
            case EventTypes.Prompt when value.Prompt is not null:
                writer.WritePropertyName("payload"u8);
                JsonSerializer.Serialize(writer, value.Prompt, CoreJsonContext.Default.PromptEvent);
                break;
            case EventTypes.Optimization when value.Optimization is not null:
                writer.WritePropertyName("payload"u8);
                JsonSerializer.Serialize(writer, value.Optimization, CoreJsonContext.Default.OptimizationEvent);
                break;
            case EventTypes.Workflow when value.Workflow is not null:
                writer.WritePropertyName("payload"u8);
                JsonSerializer.Serialize(writer, value.Workflow, CoreJsonContext.Default.WorkflowEvent);
                break;
            case EventTypes.Coaching when value.Coaching is not null:
                writer.WritePropertyName("payload"u8);
                JsonSerializer.Serialize(writer, value.Coaching, CoreJsonContext.Default.CoachingEvent);
                break;
            default:
                ThrowPayloadMismatch(value.Type);
                break;
        }

        writer.WriteEndObject();
    }

    public override Envelope Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An envelope must be a JSON object.");
        }

        string? id = null, schemaVersion = null, type = null, source = null;
        DateTimeOffset? timestamp = null;
        Dictionary<string, string>? attributes = null;
        PromptEvent? prompt = null;
        OptimizationEvent? optimization = null;
        WorkflowEvent? workflow = null;
        CoachingEvent? coaching = null;
        var deferredPayload = default(Utf8JsonReader);
        var hasDeferredPayload = false;

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                if (hasDeferredPayload)
                {
                    ReadPayload(ref deferredPayload, type, ref prompt, ref optimization, ref workflow, ref coaching);
                }

                return Build(id, schemaVersion, type, timestamp, source, attributes, prompt, optimization, workflow, coaching);
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new JsonException("Malformed envelope: expected a property name.");
            }

            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.GetString();
            }
            else if (reader.ValueTextEquals("schema_version"u8))
            {
                reader.Read();
                schemaVersion = reader.GetString();
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetString();
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                timestamp = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                reader.Read();
                source = reader.GetString();
            }
            else if (reader.ValueTextEquals("attributes"u8))
            {
                reader.Read();
                attributes = JsonSerializer.Deserialize(ref reader, CoreJsonContext.Default.DictionaryStringString);
            }
            else if (reader.ValueTextEquals("payload"u8))
            {
                reader.Read();
                if (type is not null)
                {
                    ReadPayload(ref reader, type, ref prompt, ref optimization, ref workflow, ref coaching);
                }
                else
                {
                    // type comes later: remember where the payload starts, skip it for now.
                    deferredPayload = reader;
                    hasDeferredPayload = true;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        throw new JsonException("Truncated envelope.");
    }

    private static void ReadPayload(
        ref Utf8JsonReader reader,
        string? type,
        ref PromptEvent? prompt,
        ref OptimizationEvent? optimization,
        ref WorkflowEvent? workflow,
        ref CoachingEvent? coaching)
    {
        switch (type)
        {
            case EventTypes.Prompt:
                prompt = JsonSerializer.Deserialize(ref reader, CoreJsonContext.Default.PromptEvent);
                break;
            case EventTypes.Optimization:
                optimization = JsonSerializer.Deserialize(ref reader, CoreJsonContext.Default.OptimizationEvent);
                break;
            case EventTypes.Workflow:
                workflow = JsonSerializer.Deserialize(ref reader, CoreJsonContext.Default.WorkflowEvent);
                break;
            case EventTypes.Coaching:
                coaching = JsonSerializer.Deserialize(ref reader, CoreJsonContext.Default.CoachingEvent);
                break;
            default:
                // A type added by a newer minor version: keep the envelope, ignore the payload.
                reader.Skip();
                break;
        }
    }

    private static Envelope Build(
        string? id,
        string? schemaVersion,
        string? type,
        DateTimeOffset? timestamp,
        string? source,
        Dictionary<string, string>? attributes,
        PromptEvent? prompt,
        OptimizationEvent? optimization,
        WorkflowEvent? workflow,
        CoachingEvent? coaching)
    {
        if (id is null || type is null || timestamp is null || schemaVersion is null)
        {
            throw new JsonException("Envelope is missing one of the required properties id, schema_version, type, timestamp.");
        }

        if (Envelope.ParseMajor(schemaVersion) != Envelope.CurrentSchemaMajor)
        {
            throw new JsonException(
                $"Unsupported envelope schema_version '{schemaVersion}': this TokenOps reads {Envelope.CurrentSchemaMajor}.x (see docs/events.md).");
        }

        return new Envelope
        {
            Id = id,
            SchemaVersion = schemaVersion,
            Type = type,
            Timestamp = timestamp.Value,
            Source = source ?? EventSources.Proxy,
            Attributes = attributes,
            Prompt = prompt,
            Optimization = optimization,
            Workflow = workflow,
            Coaching = coaching,
        };
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowPayloadMismatch(string type) =>
        throw new JsonException($"Envelope of type '{type}' has no matching payload property set.");
}
