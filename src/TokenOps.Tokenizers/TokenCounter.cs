namespace TokenOps.Tokenizers;

/// <summary>A token count and how it was obtained.</summary>
/// <param name="Tokens">Token count.</param>
/// <param name="Tokenizer">o200k_base | cl100k_base | estimate:anthropic | estimate:gemini | estimate:generic.</param>
/// <param name="Exact">True when produced by the model's real tokenizer.</param>
public readonly record struct TokenCount(int Tokens, string Tokenizer, bool Exact);

/// <summary>Counts text with the tokenizer of a model (see <see cref="TokenizerRegistry"/>).</summary>
public static class TokenCounter
{
    /// <summary>
    /// OpenAI chat formatting overhead, as documented in the OpenAI cookbook
    /// ("How to count tokens with tiktoken", num_tokens_from_messages): every message costs 3 tokens
    /// (&lt;|start|&gt;{role}\n … &lt;|end|&gt;) plus its role and content; a "name" costs 1 more; every
    /// reply is primed with 3 tokens (&lt;|start|&gt;assistant&lt;|message|&gt;).
    /// </summary>
    public const int ChatTokensPerMessage = 3;
    public const int ChatTokensPerName = 1;
    public const int ChatReplyPriming = 3;

    /// <summary>Counts plain text for <paramref name="model"/> (exact for known OpenAI models, calibrated estimate otherwise).</summary>
    public static TokenCount CountText(string? model, string text, string? provider = null)
    {
        var choice = TokenizerRegistry.Resolve(provider, model);
        var raw = CountRaw(choice.Kind, text);
        return new TokenCount(Scale(choice.Kind, raw), choice.Name, choice.Exact);
    }

    /// <summary>The count of the underlying encoding (o200k for estimates), before any calibration factor.</summary>
    public static int CountRaw(TokenizerKind kind, ReadOnlySpan<char> text) =>
        text.IsEmpty ? 0 : TokenCountMemo.Count(kind, text);

    /// <summary>Applies the calibration factor of estimate kinds (rounded up); exact kinds pass through.</summary>
    public static int Scale(TokenizerKind kind, long rawCount)
    {
        var factor = TokenizerRegistry.FactorOf(kind);
        if (factor == 1.0)
        {
            return (int)Math.Min(rawCount, int.MaxValue);
        }

        return (int)Math.Min(Math.Ceiling(rawCount * factor), int.MaxValue);
    }

    /// <summary>
    /// Exact token count of an OpenAI chat prompt made of plain-text messages, per the cookbook formula
    /// (see <see cref="ChatTokensPerMessage"/>). For other providers the per-message overhead is not
    /// documented and only the text is counted.
    /// </summary>
    public static TokenCount CountChat(string? model, IReadOnlyList<ChatMessageText> messages, string? provider = null)
    {
        var choice = TokenizerRegistry.Resolve(provider, model);
        var openAiFormat = choice.Kind is TokenizerKind.O200kBase or TokenizerKind.Cl100kBase;
        long raw = 0;
        var overhead = openAiFormat ? ChatReplyPriming : 0;
        foreach (var message in messages)
        {
            raw += CountRaw(choice.Kind, message.Content);
            if (openAiFormat)
            {
                overhead += ChatTokensPerMessage;
                raw += CountRaw(choice.Kind, message.Role);
                if (message.Name is { Length: > 0 } name)
                {
                    raw += CountRaw(choice.Kind, name);
                    overhead += ChatTokensPerName;
                }
            }
        }

        return new TokenCount(Scale(choice.Kind, raw) + overhead, choice.Name, choice.Exact);
    }
}

/// <summary>One chat message as plain text (for <see cref="TokenCounter.CountChat"/>).</summary>
public readonly record struct ChatMessageText(string Role, string Content, string? Name = null);
