namespace TokenOps.Proxy.Observation;

/// <summary>PromptEvent.Operation values and the path → operation classifier.</summary>
internal static class Operations
{
    public const string Chat = "chat";
    public const string Responses = "responses";
    public const string Messages = "messages";
    public const string GenerateContent = "generateContent";
    public const string StreamGenerateContent = "streamGenerateContent";
    public const string Embeddings = "embeddings";
    public const string CountTokens = "count_tokens";
    public const string Other = "other";

    /// <summary>
    /// Classifies a request by provider and path (the part after the /openai, /anthropic, /gemini prefix;
    /// a query string, if passed, is ignored). Gemini carries the model in the path:
    /// <c>/v1beta/models/{model}:{action}</c> (also tunedModels/…), returned in <paramref name="pathModel"/>.
    /// </summary>
    public static string Classify(string provider, string method, string path, out string? pathModel)
    {
        pathModel = null;
        var q = path.IndexOf('?');
        var p = q >= 0 ? path.AsSpan(0, q) : path.AsSpan();
        p = p.TrimEnd('/');
        var post = string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase);

        switch (provider)
        {
            case "openai":
                if (!post)
                {
                    return Other;
                }

                if (p.EndsWith("/chat/completions", StringComparison.Ordinal))
                {
                    return Chat;
                }

                if (p.EndsWith("/responses", StringComparison.Ordinal))
                {
                    return Responses;
                }

                if (p.EndsWith("/embeddings", StringComparison.Ordinal))
                {
                    return Embeddings;
                }

                if (p.EndsWith("/responses/input_tokens", StringComparison.Ordinal))
                {
                    return CountTokens;
                }

                return Other;

            case "anthropic":
                if (!post)
                {
                    return Other;
                }

                if (p.EndsWith("/messages/count_tokens", StringComparison.Ordinal))
                {
                    return CountTokens;
                }

                return p.EndsWith("/messages", StringComparison.Ordinal) ? Messages : Other;

            case "gemini":
                var colon = p.LastIndexOf(':');
                if (colon < 0)
                {
                    return Other;
                }

                var action = p[(colon + 1)..];
                var resource = p[..colon];
                var models = resource.LastIndexOf("models/", StringComparison.Ordinal);
                if (models >= 0)
                {
                    var model = resource[(models + "models/".Length)..];
                    if (!model.IsEmpty && model.IndexOf('/') < 0)
                    {
                        pathModel = model.ToString();
                    }
                }

                return action switch
                {
                    "generateContent" => GenerateContent,
                    "streamGenerateContent" => StreamGenerateContent,
                    "countTokens" => CountTokens,
                    "embedContent" or "batchEmbedContents" => Embeddings,
                    _ => Other,
                };

            default:
                return Other;
        }
    }
}
