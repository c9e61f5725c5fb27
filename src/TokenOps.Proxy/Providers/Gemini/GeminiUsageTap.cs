using System.Text.Json;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Providers.Gemini;

/// <summary>
/// Gemini usage tap: generateContent (one JSON object), streamGenerateContent without <c>alt=sse</c>
/// (a JSON array of GenerateContentResponse objects) and with <c>alt=sse</c> (one object per event).
/// Every chunk repeats <c>usageMetadata</c> with running totals; the chunk with
/// <c>candidates[0].finishReason</c> is the last one. Normalisation
/// (https://ai.google.dev/api/generate-content#UsageMetadata): promptTokenCount already includes
/// cachedContentTokenCount; input = promptTokenCount + toolUsePromptTokenCount; output =
/// candidatesTokenCount + thoughtsTokenCount (thinking is billed as output); reasoning = thoughtsTokenCount.
/// </summary>
internal sealed class GeminiUsageTap : UsageTap
{
    private long? _prompt;
    private long? _candidates;
    private long? _cached;
    private long? _thoughts;
    private long? _toolPrompt;
    private bool _sawUsage;

    public override void OnSseEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        try
        {
            if (FirstContentTimestamp == 0 && data.IndexOf("\"parts\""u8) >= 0)
            {
                MarkContent();
            }

            if (Model is null || data.IndexOf("\"usageMetadata\""u8) >= 0 || data.IndexOf("\"finishReason\""u8) >= 0 ||
                data.IndexOf("\"error\""u8) >= 0)
            {
                var reader = new Utf8JsonReader(data);
                if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadChunk(ref reader);
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
        if (!reader.Read())
        {
            Failed = true;
            return;
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                ReadChunk(ref reader);
            }
        }
        else if (reader.TokenType == JsonTokenType.StartObject)
        {
            ReadChunk(ref reader);
            Terminal = true; // a unary response is complete by definition
        }
        else
        {
            Failed = true;
            return;
        }

        Finish();
    }

    private void ReadChunk(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("candidates"u8))
            {
                reader.Read();
                ReadCandidates(ref reader);
            }
            else if (reader.ValueTextEquals("usageMetadata"u8))
            {
                reader.Read();
                ReadUsage(ref reader);
            }
            else if (reader.ValueTextEquals("modelVersion"u8))
            {
                reader.Read();
                Model = JsonRead.InternedString(ref reader, Model) ?? Model;
            }
            else if (reader.ValueTextEquals("responseId"u8))
            {
                reader.Read();
                ResponseId = JsonRead.String(ref reader, ResponseId) ?? ResponseId;
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

        Finish();
    }

    private void ReadCandidates(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        var index = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (index == 0 && reader.ValueTextEquals("finishReason"u8))
                {
                    reader.Read();
                    var reason = JsonRead.InternedString(ref reader, FinishReason);
                    if (reason is not null)
                    {
                        FinishReason = reason;
                        Terminal = true;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            index++;
        }
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        _sawUsage = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("promptTokenCount"u8))
            {
                reader.Read();
                _prompt = JsonRead.Int64(ref reader) ?? _prompt;
            }
            else if (reader.ValueTextEquals("candidatesTokenCount"u8))
            {
                reader.Read();
                _candidates = JsonRead.Int64(ref reader) ?? _candidates;
            }
            else if (reader.ValueTextEquals("cachedContentTokenCount"u8))
            {
                reader.Read();
                _cached = JsonRead.Int64(ref reader) ?? _cached;
            }
            else if (reader.ValueTextEquals("thoughtsTokenCount"u8))
            {
                reader.Read();
                _thoughts = JsonRead.Int64(ref reader) ?? _thoughts;
            }
            else if (reader.ValueTextEquals("toolUsePromptTokenCount"u8))
            {
                reader.Read();
                _toolPrompt = JsonRead.Int64(ref reader) ?? _toolPrompt;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>Usage is final once the last chunk (with a finishReason) has been seen with usage numbers.</summary>
    private void Finish()
    {
        if (!_sawUsage)
        {
            return;
        }

        InputTokens = (_prompt ?? 0) + (_toolPrompt ?? 0);
        OutputTokens = (_candidates ?? 0) + (_thoughts ?? 0);
        CachedInputTokens = _cached ?? 0;
        ReasoningTokens = _thoughts ?? 0;
        UsageFinal = Terminal;
    }
}
