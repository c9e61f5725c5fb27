using System.Text.Json;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Providers.Anthropic;

/// <summary>
/// Anthropic Messages usage tap (JSON and SSE). Anthropic's <c>input_tokens</c> EXCLUDES cache reads and
/// cache writes, so the normalised input is input_tokens + cache_read_input_tokens +
/// cache_creation_input_tokens. In a stream, <c>message_start</c>.message.usage carries the input side
/// and <c>message_delta</c>.usage the CUMULATIVE output (and, on newer API versions, input/cache fields
/// again — the latest value of each field wins).
/// https://docs.anthropic.com/en/docs/build-with-claude/streaming,
/// https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching.
/// </summary>
internal sealed class AnthropicUsageTap : UsageTap
{
    private readonly byte[] _typeBuffer = new byte[64];
    private long? _input;
    private long? _cacheRead;
    private long? _cacheCreation;
    private long? _cache5m;
    private long? _cache1h;
    private long? _output;

    public override void OnSseEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        var type = eventName;
        if (type.IsEmpty)
        {
            var n = JsonRead.ReadTopLevelType(data, _typeBuffer);
            type = _typeBuffer.AsSpan(0, n);
        }

        try
        {
            if (type.SequenceEqual("content_block_delta"u8))
            {
                MarkContent();
            }
            else if (type.SequenceEqual("message_start"u8))
            {
                var reader = new Utf8JsonReader(data);
                ReadEnvelope(ref reader, "message"u8);
            }
            else if (type.SequenceEqual("message_delta"u8))
            {
                var reader = new Utf8JsonReader(data);
                ReadEnvelope(ref reader, "delta"u8);
                // Final only with both halves: message_start's input side and message_delta's output.
                if (_output is not null && _input is not null)
                {
                    Normalise();
                }
            }
            else if (type.SequenceEqual("message_stop"u8))
            {
                Terminal = true;
            }
            else if (type.SequenceEqual("error"u8))
            {
                var reader = new Utf8JsonReader(data);
                if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadErrorContainer(ref reader);
                }
            }
        }
        catch (JsonException)
        {
            // skip a malformed event
        }
    }

    protected override void ParseJsonBody(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            Failed = true;
            return;
        }

        ReadMessage(ref reader);
        Terminal = true;
        if (_output is not null || _input is not null)
        {
            Normalise();
        }
    }

    /// <summary>message_start {"message":{…}} / message_delta {"delta":{stop_reason},"usage":{…}}.</summary>
    private void ReadEnvelope(ref Utf8JsonReader reader, ReadOnlySpan<byte> inner)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(inner))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadMessage(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                ReadUsage(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>A message object (or a message_delta's delta): id, model, stop_reason, usage.</summary>
    private void ReadMessage(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                ResponseId = JsonRead.String(ref reader, ResponseId) ?? ResponseId;
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                Model = JsonRead.InternedString(ref reader, Model) ?? Model;
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                reader.Read();
                FinishReason = JsonRead.InternedString(ref reader) ?? FinishReason;
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                ReadUsage(ref reader);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadErrorObject(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                reader.Read();
                _input = JsonRead.Int64(ref reader) ?? _input;
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                reader.Read();
                _output = JsonRead.Int64(ref reader) ?? _output;
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                reader.Read();
                _cacheRead = JsonRead.Int64(ref reader) ?? _cacheRead;
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                reader.Read();
                _cacheCreation = JsonRead.Int64(ref reader) ?? _cacheCreation;
            }
            else if (reader.ValueTextEquals("cache_creation"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("ephemeral_5m_input_tokens"u8))
                    {
                        reader.Read();
                        _cache5m = JsonRead.Int64(ref reader) ?? _cache5m;
                    }
                    else if (reader.ValueTextEquals("ephemeral_1h_input_tokens"u8))
                    {
                        reader.Read();
                        _cache1h = JsonRead.Int64(ref reader) ?? _cache1h;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void Normalise()
    {
        var cacheRead = _cacheRead ?? 0;
        var cacheWrite = _cacheCreation ?? ((_cache5m ?? 0) + (_cache1h ?? 0));
        InputTokens = (_input ?? 0) + cacheRead + cacheWrite;
        OutputTokens = _output ?? 0;
        CachedInputTokens = cacheRead;
        CacheWriteInputTokens = cacheWrite;
        CacheWrite5mInputTokens = _cache5m;
        CacheWrite1hInputTokens = _cache1h;
        UsageFinal = true;
    }
}
