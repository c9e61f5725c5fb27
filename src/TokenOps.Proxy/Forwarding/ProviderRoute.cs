using CoreProviders = TokenOps.Core.Events.Providers;
using TokenOps.Proxy.Providers;

namespace TokenOps.Proxy.Forwarding;

/// <summary>One mounted provider: its path prefix and its normalised upstream base (null = not configured).</summary>
internal sealed class ProviderRoute
{
    public ProviderRoute(ProviderKind kind, string name, Uri? upstream)
    {
        Kind = kind;
        Name = name;
        Prefix = "/" + name;
        UpstreamBase = upstream is null ? null : UpstreamPath.NormalizeBase(upstream);
    }

    public ProviderKind Kind { get; }

    /// <summary>openai | anthropic | gemini (the Core <c>Providers</c> constants).</summary>
    public string Name { get; }

    /// <summary>"/openai", "/anthropic", "/gemini".</summary>
    public string Prefix { get; }

    /// <summary>Scheme + authority + base path without trailing '/'; null when no upstream is configured.</summary>
    public string? UpstreamBase { get; }

    public static ProviderRoute[] Build(ProxyOptions options) =>
    [
        Create(ProviderKind.OpenAI, CoreProviders.OpenAI, options),
        Create(ProviderKind.Anthropic, CoreProviders.Anthropic, options),
        Create(ProviderKind.Gemini, CoreProviders.Gemini, options),
    ];

    private static ProviderRoute Create(ProviderKind kind, string name, ProxyOptions options) =>
        new(kind, name, options.Upstreams.TryGetValue(name, out var uri) ? uri : null);
}
