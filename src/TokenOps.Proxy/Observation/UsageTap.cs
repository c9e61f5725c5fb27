using System.Text.Json;

namespace TokenOps.Proxy.Observation;

/// <summary>
/// Provider-specific half of the response tap: turns SSE events or a whole JSON body into normalised
/// usage (see PromptEvent remarks). Implementations live in Providers/{OpenAI,Anthropic,Gemini}/.
/// They never throw for bad input: a malformed SSE event is ignored, a malformed body sets <see cref="Failed"/>.
/// </summary>
internal abstract class UsageTap : ISseEventSink
{
    // ---- normalised results ----
    public long? InputTokens { get; protected set; }
    public long? OutputTokens { get; protected set; }
    public long? CachedInputTokens { get; protected set; }
    public long? CacheWriteInputTokens { get; protected set; }
    public long? CacheWrite5mInputTokens { get; protected set; }
    public long? CacheWrite1hInputTokens { get; protected set; }
    public long? ReasoningTokens { get; protected set; }
    public string? Model { get; protected set; }
    public string? ResponseId { get; protected set; }
    public string? FinishReason { get; protected set; }
    public string? ErrorType { get; protected set; }
    public string? ErrorCode { get; protected set; }

    /// <summary>The provider's final usage numbers were seen (a stream's last usage, or a body's usage).</summary>
    public bool UsageFinal { get; protected set; }

    /// <summary>The stream's own end marker was seen ([DONE], message_stop, response.completed, finishReason…).</summary>
    public bool Terminal { get; protected set; }

    /// <summary>A whole-body parse failed (malformed JSON): usage is unavailable.</summary>
    public bool Failed { get; protected set; }

    /// <summary>Stopwatch timestamp of the first event that carried generated content (0 = none).</summary>
    public long FirstContentTimestamp { get; private set; }

    /// <summary>Timestamp of the chunk being fed (set by the observer before each feed).</summary>
    public long CurrentTimestamp { get; set; }

    public abstract void OnSseEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data);

    /// <summary>A complete non-streamed 2xx body (JSON object, or a JSON array of chunks for Gemini).</summary>
    public void OnJsonBody(ReadOnlySpan<byte> body)
    {
        try
        {
            ParseJsonBody(body);
        }
        catch (JsonException)
        {
            Failed = true;
        }
        catch (InvalidOperationException)
        {
            Failed = true;
        }
    }

    protected abstract void ParseJsonBody(ReadOnlySpan<byte> body);

    /// <summary>
    /// An error body (status &gt;= 400). The three providers share one shape family:
    /// OpenAI <c>{"error":{"message","type","param","code"}}</c>, Anthropic
    /// <c>{"type":"error","error":{"type","message"}}</c>, Gemini <c>{"error":{"code","message","status"}}</c>
    /// (possibly wrapped in a JSON array by streamGenerateContent). type := error.type ?? error.status.
    /// </summary>
    public void OnErrorBody(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read())
            {
                return;
            }

            if (reader.TokenType == JsonTokenType.StartArray && !reader.Read())
            {
                return;
            }

            if (reader.TokenType == JsonTokenType.StartObject)
            {
                ReadErrorContainer(ref reader);
            }
        }
        catch (JsonException)
        {
            // Not JSON (an HTML error page from a gateway, say): status code alone describes it.
        }
    }

    /// <summary>Reader at StartObject of an object that may have an "error" member.</summary>
    protected void ReadErrorContainer(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isError = reader.ValueTextEquals("error"u8);
            reader.Read();
            if (isError && reader.TokenType == JsonTokenType.StartObject)
            {
                ReadErrorObject(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    /// <summary>Reader at StartObject of the error object itself.</summary>
    protected void ReadErrorObject(ref Utf8JsonReader reader)
    {
        string? type = null, status = null, code = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = JsonRead.String(ref reader, ErrorType);
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                status = JsonRead.String(ref reader, ErrorType);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = JsonRead.String(ref reader, ErrorCode);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        ErrorType = type ?? status ?? ErrorType ?? "error";
        ErrorCode = code ?? ErrorCode;
    }

    protected void MarkContent()
    {
        if (FirstContentTimestamp == 0)
        {
            FirstContentTimestamp = CurrentTimestamp == 0 ? 1 : CurrentTimestamp;
        }
    }

    /// <summary>Text the model streamed (for the tokenizer fallback when no usage was reported); null when not collected.</summary>
    public virtual string? StreamedOutputText() => null;

    /// <summary>Whether this tap can estimate usage from streamed text when the provider reports none.</summary>
    public virtual bool CanEstimate => false;

    public virtual void Dispose()
    {
    }
}
