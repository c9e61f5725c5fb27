namespace TokenOps.Proxy.Providers;

/// <summary>The provider a request was addressed to (by its path prefix).</summary>
public enum ProviderKind
{
    /// <summary>No provider prefix matched; errors use the OpenAI-style generic shape.</summary>
    Unknown = 0,
    OpenAI,
    Anthropic,
    Gemini,
}
