namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// Joins an upstream base (which may carry its own path) with the client's path-after-prefix and query.
/// Works on the RAW request target so percent-encoded characters (<c>%2F</c>, <c>%20</c>, ...) reach the upstream
/// exactly as the client sent them; Kestrel's decoded <c>Request.Path</c> is only a fallback.
/// </summary>
internal static class UpstreamPath
{
    /// <summary>
    /// The upstream prefix for a base URI: scheme, authority and path with every trailing '/' removed,
    /// e.g. <c>https://api.example.com/v1/</c> → <c>https://api.example.com/v1</c>. Query/fragment of the base are ignored.
    /// </summary>
    public static string NormalizeBase(Uri upstreamBase)
    {
        if (!upstreamBase.IsAbsoluteUri || (upstreamBase.Scheme != Uri.UriSchemeHttp && upstreamBase.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Upstream base must be an absolute http(s) URI: {upstreamBase}", nameof(upstreamBase));
        }

        return upstreamBase.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');
    }

    /// <summary>
    /// The part of <paramref name="rawTarget"/> after <paramref name="prefix"/> (e.g. <c>/openai</c>), query included,
    /// or null when the raw target does not start with the prefix as a whole segment (absolute-form targets,
    /// an encoded prefix) — then the caller falls back to the decoded path.
    /// </summary>
    public static string? RestFromRawTarget(string rawTarget, string prefix)
    {
        if (!rawTarget.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (rawTarget.Length == prefix.Length)
        {
            return "";
        }

        var next = rawTarget[prefix.Length];
        return next is '/' or '?' ? rawTarget[prefix.Length..] : null;
    }

    /// <summary>
    /// <paramref name="normalizedBase"/> (from <see cref="NormalizeBase"/>) + <paramref name="restAndQuery"/>
    /// ("", "/v1/x", "?a=b", "/v1/x?a=b"). The seam never doubles a slash; the client's own path is kept as sent.
    /// </summary>
    public static string Join(string normalizedBase, string restAndQuery)
    {
        if (restAndQuery.Length == 0)
        {
            return HasPath(normalizedBase) ? normalizedBase : normalizedBase + "/";
        }

        if (restAndQuery[0] == '?' && !HasPath(normalizedBase))
        {
            return string.Concat(normalizedBase, "/", restAndQuery);
        }

        return restAndQuery[0] is '/' or '?'
            ? string.Concat(normalizedBase, restAndQuery)
            : string.Concat(normalizedBase, "/", restAndQuery);
    }

    /// <summary>Path part of a rest-and-query string (no query: query strings may carry keys).</summary>
    public static string PathOnly(string restAndQuery)
    {
        var q = restAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? restAndQuery : restAndQuery[..q];
        return path.Length == 0 ? "/" : path;
    }

    private static bool HasPath(string normalizedBase)
    {
        // "scheme://authority" has exactly two slashes before the authority; any further '/' starts a path.
        var authorityStart = normalizedBase.IndexOf("://", StringComparison.Ordinal) + 3;
        return normalizedBase.IndexOf('/', authorityStart) >= 0;
    }
}
