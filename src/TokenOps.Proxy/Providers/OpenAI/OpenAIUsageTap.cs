using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Providers.OpenAI;

/// <summary>
/// OpenAI usage tap: Chat Completions (JSON and SSE, where usage arrives in a final chunk with empty
/// <c>choices</c> when <c>stream_options.include_usage</c> is set), the Responses API (JSON and SSE,
/// usage in <c>response.completed</c> / <c>response.incomplete</c> / <c>response.failed</c>) and embeddings.
/// OpenAI's prompt count already includes cached tokens, and completion tokens include reasoning, which
/// is exactly the normalised model. https://platform.openai.com/docs/api-reference/chat/object,
/// https://platform.openai.com/docs/api-reference/responses-streaming.
/// </summary>
internal sealed class OpenAIUsageTap(string operation, int maxStreamedTextBytes) : UsageTap
{
    private readonly bool _responsesApi = operation == Operations.Responses;

    // Raw data of chunks that carried content, length-prefixed, parsed only when no usage arrives.
    private BoundedBuffer? _contentLog;
    private readonly byte[] _typeBuffer = new byte[64];

    public override bool CanEstimate => !_responsesApi && operation == Operations.Chat;

    public override void OnSseEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            Terminal = true;
            return;
        }

        try
        {
            if (_responsesApi || eventName.StartsWith("response."u8) || eventName.SequenceEqual("error"u8))
            {
                OnResponsesEvent(eventName, data);
            }
            else
            {
                OnChatChunk(data);
            }
        }
        catch (JsonException)
        {
            // A malformed event is skipped; later events may still carry usage.
        }
    }

    private void OnChatChunk(ReadOnlySpan<byte> data)
    {
        var hasContent = JsonRead.HasNonEmptyString(data, "\"content\""u8) ||
                         JsonRead.HasNonEmptyString(data, "\"arguments\""u8) ||
                         JsonRead.HasNonEmptyString(data, "\"refusal\""u8) ||
                         JsonRead.HasNonEmptyString(data, "\"name\""u8);
        if (hasContent)
        {
            MarkContent();
            LogContent(data);
        }

        // Only chunks that can carry something new are parsed: the first (id/model), the finish chunk,
        // the usage chunk, and errors.
        if (Model is null || JsonRead.HasNonNullValue(data, "\"usage\""u8) ||
            JsonRead.HasNonNullValue(data, "\"finish_reason\""u8) || JsonRead.HasNonNullValue(data, "\"error\""u8))
        {
            var reader = new Utf8JsonReader(data);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                ReadChatObject(ref reader);
            }
        }
    }

    private void LogContent(ReadOnlySpan<byte> data)
    {
        if (!CanEstimate)
        {
            return;
        }

        _contentLog ??= new BoundedBuffer(maxStreamedTextBytes, 8 * 1024);
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, data.Length);
        if (_contentLog.Append(prefix))
        {
            _contentLog.Append(data);
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

        if (_responsesApi)
        {
            ReadResponseObject(ref reader);
        }
        else
        {
            ReadChatObject(ref reader);
        }

        Terminal = true;
    }

    /// <summary>A chat.completion, chat.completion.chunk or embeddings list object (reader at StartObject).</summary>
    private void ReadChatObject(ref Utf8JsonReader reader)
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
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                ReadChoices(ref reader);
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

    private void ReadChoices(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    // The first choice's reason wins (n > 1 is rare; choice 0 is what SDKs surface).
                    FinishReason ??= JsonRead.InternedString(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
    }

    /// <summary>
    /// Reads either usage shape: Chat/embeddings <c>{prompt_tokens, completion_tokens,
    /// prompt_tokens_details.cached_tokens, completion_tokens_details.reasoning_tokens}</c> or Responses
    /// <c>{input_tokens, output_tokens, input_tokens_details.cached_tokens, output_tokens_details.reasoning_tokens}</c>.
    /// </summary>
    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        long? input = null, output = null, cached = null, reasoning = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
            {
                reader.Read();
                input = JsonRead.Int64(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
            {
                reader.Read();
                output = JsonRead.Int64(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8))
            {
                reader.Read();
                cached = ReadDetail(ref reader, "cached_tokens"u8) ?? cached;
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8) || reader.ValueTextEquals("output_tokens_details"u8))
            {
                reader.Read();
                reasoning = ReadDetail(ref reader, "reasoning_tokens"u8) ?? reasoning;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (input is null && output is null)
        {
            return;
        }

        InputTokens = input ?? 0;
        OutputTokens = output ?? 0; // embeddings report prompt tokens only
        CachedInputTokens = cached ?? 0;
        ReasoningTokens = reasoning ?? 0;
        UsageFinal = true;
    }

    private static long? ReadDetail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        long? value = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                value = JsonRead.Int64(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return value;
    }

    // ---------------- Responses API ----------------

    private void OnResponsesEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        var type = eventName;
        if (type.IsEmpty)
        {
            var n = JsonRead.ReadTopLevelType(data, _typeBuffer);
            type = _typeBuffer.AsSpan(0, n);
        }

        if (type.EndsWith(".delta"u8))
        {
            // response.output_text.delta, response.function_call_arguments.delta, response.refusal.delta …
            // (reasoning summaries are not billed output text, but reasoning tokens are: count them as content too.)
            MarkContent();
            return;
        }

        var terminal = type.SequenceEqual("response.completed"u8) || type.SequenceEqual("response.incomplete"u8) ||
                       type.SequenceEqual("response.failed"u8);
        if (terminal || type.SequenceEqual("response.created"u8) || type.SequenceEqual("response.in_progress"u8))
        {
            var reader = new Utf8JsonReader(data);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isResponse = reader.ValueTextEquals("response"u8);
                    reader.Read();
                    if (isResponse && reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadResponseObject(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }

            if (terminal)
            {
                Terminal = true;
            }
        }
        else if (type.SequenceEqual("error"u8))
        {
            // {"type":"error","code":"…","message":"…","param":null} (or a nested "error" object).
            var reader = new Utf8JsonReader(data);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                ReadStreamError(ref reader);
            }
        }
    }

    private void ReadStreamError(ref Utf8JsonReader reader)
    {
        string? code = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = JsonRead.String(ref reader);
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

        ErrorType ??= "error";
        ErrorCode = code ?? ErrorCode;
    }

    /// <summary>A Responses API response object (reader at StartObject).</summary>
    private void ReadResponseObject(ref Utf8JsonReader reader)
    {
        string? status = null, incompleteReason = null;
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
            else if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                status = JsonRead.InternedString(ref reader);
            }
            else if (reader.ValueTextEquals("incomplete_details"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isReason = reader.ValueTextEquals("reason"u8);
                        reader.Read();
                        if (isReason)
                        {
                            incompleteReason = JsonRead.InternedString(ref reader);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
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

        // The Responses API has no finish_reason: "completed", or the reason it is "incomplete" (max_output_tokens …).
        var reason = incompleteReason ?? status;
        if (reason is not null && reason != "in_progress" && reason != "queued")
        {
            FinishReason = reason;
        }
    }

    // ---------------- estimate fallback ----------------

    /// <summary>Concatenates the streamed content/refusal/tool-call text of the logged chunks.</summary>
    public override string? StreamedOutputText()
    {
        if (_contentLog is null)
        {
            return "";
        }

        if (_contentLog.Overflowed)
        {
            return null;
        }

        var sb = new StringBuilder();
        var log = _contentLog.WrittenSpan;
        while (log.Length >= 4)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(log);
            var chunk = log.Slice(4, length);
            log = log[(4 + length)..];
            try
            {
                AppendDeltaText(chunk, sb);
            }
            catch (JsonException)
            {
                // skip a malformed chunk
            }
        }

        return sb.ToString();
    }

    /// <summary>choices[].delta.{content, refusal, tool_calls[].function.{name, arguments}} of one chunk.</summary>
    private static void AppendDeltaText(ReadOnlySpan<byte> chunk, StringBuilder sb)
    {
        var reader = new Utf8JsonReader(chunk);
        var depthOfDelta = -1;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                if (depthOfDelta < 0 && reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        depthOfDelta = reader.CurrentDepth;
                    }

                    continue;
                }

                if (depthOfDelta >= 0 && (reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("refusal"u8) ||
                                          reader.ValueTextEquals("arguments"u8) || reader.ValueTextEquals("name"u8)))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        sb.Append(reader.GetString());
                    }
                }
            }
            else if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depthOfDelta)
            {
                depthOfDelta = -1;
            }
        }
    }

    public override void Dispose() => _contentLog?.Dispose();
}
