using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using TokenOps.Core.Events;
using TokenOps.Core.Pricing;
using TokenOps.Tokenizers;

namespace TokenOps.Optimizer.Pipeline;

/// <summary>
/// Token and dollar measurement shared by every optimizer: tokens come from <see cref="RequestTokenCounter"/> (the same
/// counter the observer uses, so savings are measured with the real tokenizer: before − after); dollars come from the
/// one cost function (<see cref="IPromptCostStamper"/>), by stamping a scratch event — never a second price table.
/// </summary>
internal sealed class TokenMeter(string provider, string operation, IPromptCostStamper? stamper)
{
    public string Provider { get; } = provider;

    public string Operation { get; } = operation;

    /// <summary>Input tokens of <paramref name="body"/> for <paramref name="model"/>.</summary>
    public int Count(JsonNode body, string? model)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            body.WriteTo(writer);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return Count(doc.RootElement, model);
    }

    /// <summary>Input tokens of a body already parsed (no tree, no serialization).</summary>
    public int Count(JsonElement body, string? model) => RequestTokenCounter.Count(Provider, Operation, model, body).Tokens;

    /// <summary>Raw text tokens (no message overhead), for selection heuristics inside an optimizer.</summary>
    public int CountText(string text, string? model) => TokenCounter.CountText(model, text, Provider).Tokens;

    /// <summary>USD of <paramref name="inputTokens"/> prompt tokens (of which <paramref name="cachedTokens"/> read from the provider cache); null when unpriced.</summary>
    public decimal? InputCost(string? model, long inputTokens, long cachedTokens = 0)
    {
        if (stamper is null || string.IsNullOrEmpty(model))
        {
            return null;
        }

        var scratch = new PromptEvent
        {
            Provider = Provider,
            Operation = Operation,
            RequestModel = model,
            StatusCode = 200,
            InputTokens = inputTokens,
            CachedInputTokens = cachedTokens == 0 ? null : cachedTokens,
            OutputTokens = 0,
            UsageSource = UsageSources.Estimated,
        };
        stamper.Stamp(scratch);
        return scratch.PricingStatus == PricingStatuses.Priced ? scratch.CostUsd : null;
    }

    /// <summary>
    /// What going from <paramref name="tokensBefore"/> on <paramref name="modelBefore"/> to <paramref name="tokensAfter"/> on
    /// <paramref name="modelAfter"/> saves, as the difference of two prices (so long-context tiers are honoured); null when unpriced.
    /// </summary>
    public decimal? SavedCost(string? modelBefore, long tokensBefore, string? modelAfter, long tokensAfter)
    {
        if (tokensBefore == tokensAfter && string.Equals(modelBefore, modelAfter, StringComparison.Ordinal))
        {
            return InputCost(modelBefore, tokensBefore) is null ? null : 0m;
        }

        var before = InputCost(modelBefore, tokensBefore);
        var after = InputCost(modelAfter, tokensAfter);
        return before is { } b && after is { } a ? b - a : null;
    }
}
