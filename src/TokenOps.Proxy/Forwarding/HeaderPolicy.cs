using System.Collections.Frozen;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// Which headers cross the proxy. Credentials (<c>Authorization</c>, <c>x-api-key</c>, <c>x-goog-api-key</c>,
/// <c>anthropic-*</c>, <c>openai-*</c>) pass through untouched and are never logged; our own
/// <c>X-TokenOps-*</c> headers are consumed here and never go upstream.
/// </summary>
internal static class HeaderPolicy
{
    public const string TokenOpsPrefix = "X-TokenOps-";

    /// <summary>
    /// Hop-by-hop headers (RFC 9110 §7.6.1 and the RFC 7230 list proxies still honour): they describe one
    /// connection, not the message, so they are never copied in either direction. <c>Proxy-Authorization</c>
    /// and <c>Proxy-Authenticate</c> are addressed to a proxy (us), not to the provider.
    /// </summary>
    public static readonly FrozenSet<string> HopByHop = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "Connection",
        "Keep-Alive",
        "Proxy-Connection",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade");

    /// <summary>
    /// Request headers the proxy owns on the upstream leg: Host comes from the upstream URI, and Kestrel already
    /// answered any <c>Expect: 100-continue</c> on the client leg when we started reading the body.
    /// </summary>
    private static readonly FrozenSet<string> RequestOwned = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase, "Host", "Expect");

    /// <summary>
    /// <c>Alt-Svc</c> advertises the upstream's alternative endpoints (e.g. HTTP/3 on its own host); relayed, it
    /// would send clients around the proxy.
    /// </summary>
    private static readonly FrozenSet<string> ResponseOwned = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase, "Alt-Svc");

    public static bool IsTokenOpsHeader(string name) =>
        name.StartsWith(TokenOpsPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a client request header goes upstream. <paramref name="connection"/> is the client's Connection header.</summary>
    public static bool ShouldForwardRequestHeader(string name, StringValues connection) =>
        name.Length > 0
        && name[0] != ':' // HTTP/2 and HTTP/3 pseudo-headers
        && !HopByHop.Contains(name)
        && !RequestOwned.Contains(name)
        && !IsTokenOpsHeader(name)
        && !IsNamedInConnection(connection, name);

    /// <summary>Whether an upstream response header goes back to the client. <paramref name="connection"/> is the upstream's Connection header.</summary>
    public static bool ShouldForwardResponseHeader(string name, StringValues connection) =>
        !HopByHop.Contains(name)
        && !ResponseOwned.Contains(name)
        && !IsNamedInConnection(connection, name);

    /// <summary>RFC 9110 §7.6.1: every header named in Connection is hop-by-hop too. Allocation-free scan.</summary>
    public static bool IsNamedInConnection(StringValues connection, string name)
    {
        for (var i = 0; i < connection.Count; i++)
        {
            var value = connection[i].AsSpan();
            while (!value.IsEmpty)
            {
                var comma = value.IndexOf(',');
                var token = (comma < 0 ? value : value[..comma]).Trim();
                if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                value = comma < 0 ? default : value[(comma + 1)..];
            }
        }

        return false;
    }

    /// <summary>Copies forwardable client headers onto the upstream request (content headers onto <paramref name="content"/>).</summary>
    public static void CopyRequestHeaders(IHeaderDictionary source, HttpRequestMessage target, HttpContent? content)
    {
        var connection = source.Connection;
        foreach (var header in source)
        {
            var name = header.Key;
            if (!ShouldForwardRequestHeader(name, connection))
            {
                continue;
            }

            var value = header.Value;
            // Request headers first; TryAdd refuses content headers (Content-Type, Content-Length, ...), which belong on the content.
            if (!TryAdd(target.Headers, name, value) && content is not null)
            {
                TryAdd(content.Headers, name, value);
            }
        }
    }

    /// <summary>Copies forwardable upstream response + content headers onto the client response.</summary>
    public static void CopyResponseHeaders(HttpResponseMessage source, IHeaderDictionary target)
    {
        var connection = source.Headers.NonValidated.TryGetValues("Connection", out var c) ? ToStringValues(c) : StringValues.Empty;
        CopyResponseHeaders(source.Headers, connection, target);
        CopyResponseHeaders(source.Content.Headers, connection, target);
    }

    private static void CopyResponseHeaders(HttpHeaders source, StringValues connection, IHeaderDictionary target)
    {
        // NonValidated: relay exactly what the upstream sent, without parsing it.
        foreach (var header in source.NonValidated)
        {
            if (ShouldForwardResponseHeader(header.Key, connection))
            {
                target[header.Key] = ToStringValues(header.Value);
            }
        }
    }

    private static StringValues ToStringValues(HeaderStringValues values)
    {
        if (values.Count == 1)
        {
            return new StringValues(values.ToString());
        }

        var array = new string[values.Count];
        var i = 0;
        foreach (var v in values)
        {
            array[i++] = v;
        }

        return new StringValues(array);
    }

    private static bool TryAdd(HttpHeaders headers, string name, StringValues value) =>
        value.Count == 1
            ? headers.TryAddWithoutValidation(name, value.ToString())
            : headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);

    /// <summary>
    /// The response headers a cache entry replays: what the client got from the upstream (hop-by-hop removed),
    /// one string per value, so a hit looks exactly like the original response.
    /// </summary>
    public static KeyValuePair<string, string>[] CacheableResponseHeaders(HttpResponseMessage source)
    {
        var connection = source.Headers.NonValidated.TryGetValues("Connection", out var c) ? ToStringValues(c) : StringValues.Empty;
        var result = new List<KeyValuePair<string, string>>();
        AddCacheable(source.Headers, connection, result);
        AddCacheable(source.Content.Headers, connection, result);
        return [.. result];
    }

    private static void AddCacheable(HttpHeaders source, StringValues connection, List<KeyValuePair<string, string>> result)
    {
        foreach (var header in source.NonValidated)
        {
            if (ShouldForwardResponseHeader(header.Key, connection))
            {
                foreach (var value in header.Value)
                {
                    result.Add(new(header.Key, value));
                }
            }
        }
    }
}
