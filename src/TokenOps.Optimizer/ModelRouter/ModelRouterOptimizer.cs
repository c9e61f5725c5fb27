using System.Globalization;
using TokenOps.Optimizer.Body;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Optimizer.ModelRouter;

/// <summary>
/// <c>model_router</c>: route a request to a cheaper model by operator rules (<c>optimizer.router.rules</c>).
/// </summary>
/// <remarks>
/// <para>Algorithm: the first rule whose <c>from</c> matches the request model (exact or <c>*</c> glob, case-insensitive),
/// whose <c>provider</c> (if set) matches, and whose <c>max_input_tokens</c> (if set) is ≥ the request's input tokens
/// wins. The rewrite sets the body's <c>model</c> (OpenAI, Anthropic). Gemini names the model in the URL path, which a
/// body rewrite cannot change, so for Gemini the recommendation is advice only (never applied live).</para>
/// <para>Savings: the price of the request on the original model minus its price on the target (both input-only, from the
/// rate card through the one cost function); tokens saved are the tokenizer difference between the two models (usually 0).
/// A rule whose target is not cheaper (or is unpriced) produces no recommendation — routing is cost-aware.</para>
/// <para>Quality: the rule's <c>quality</c> (default 0.9): the operator's judgement of the target model on this traffic.</para>
/// </remarks>
internal sealed class ModelRouterOptimizer(OptimizerOptions options) : IOptimizer
{
    public string Kind => OptimizerKinds.ModelRouter;

    /// <summary>Only with router rules and a known model.</summary>
    public bool MayPropose(OptimizerLook look) => !string.IsNullOrEmpty(look.Model) && options.RouterRules.Count > 0;

    public OptimizerProposal? Propose(OptimizerInput input)
    {
        var model = input.Model;
        if (string.IsNullOrEmpty(model) || options.RouterRules.Count == 0)
        {
            return null;
        }

        foreach (var rule in options.RouterRules)
        {
            if ((rule.Provider is not null && !string.Equals(rule.Provider, input.Meter.Provider, StringComparison.OrdinalIgnoreCase))
                || !Matches(rule.From, model)
                || (rule.MaxInputTokens is { } cap && input.Tokens > cap)
                || string.Equals(rule.To, model, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var before = input.Meter.InputCost(model, input.Tokens);
            var after = input.Meter.InputCost(rule.To, input.Tokens);
            if (before is { } b && after is { } a && a >= b)
            {
                // Not cheaper: the rule does not pay for itself.
                return null;
            }

            var reason = string.Create(CultureInfo.InvariantCulture,
                $"rule {rule.From} → {rule.To}{(rule.MaxInputTokens is { } m ? $" (≤ {m} input tokens)" : "")}: {input.Tokens} input tokens");
            if (input.Document.Dialect == BodyDialect.Gemini)
            {
                return new OptimizerProposal
                {
                    Body = null,
                    Model = rule.To,
                    Quality = rule.Quality,
                    Reason = reason + "; Gemini selects the model in the URL path — change it in the client",
                };
            }

            input.Document.Root["model"] = rule.To;
            return new OptimizerProposal { Body = input.Document.Root, Model = rule.To, Quality = rule.Quality, Reason = reason };
        }

        return null;
    }

    /// <summary>Case-insensitive glob: <c>*</c> matches any run of characters (including none).</summary>
    internal static bool Matches(string pattern, string value)
    {
        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return string.Equals(pattern, value, StringComparison.OrdinalIgnoreCase);
        }

        var parts = pattern.Split('*');
        var position = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length == 0)
            {
                continue;
            }

            if (i == 0)
            {
                if (!value.StartsWith(part, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                position = part.Length;
                continue;
            }

            if (i == parts.Length - 1)
            {
                return value.Length - part.Length >= position && value.EndsWith(part, StringComparison.OrdinalIgnoreCase);
            }

            var found = value.IndexOf(part, position, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                return false;
            }

            position = found + part.Length;
        }

        return true;
    }
}
