using System.Text;
using System.Text.RegularExpressions;

namespace TokenOps.Storage.Redaction;

/// <summary>
/// Replaces anything that looks like a credential with <c>[REDACTED]</c> before text reaches the store:
/// provider API keys (<c>sk-…</c>, <c>sk-ant-…</c>, <c>AIza…</c>), bearer tokens, and the values of JSON
/// fields whose name says "credential" (api_key, apiKey, authorization, x-api-key, password, secret, …).
/// </summary>
/// <remarks>
/// Runs only on what the store keeps as text: captured bodies (capture.bodies=true), attributes, paths and
/// non-prompt payloads. Source-generated regexes: AOT-safe, no runtime compilation. Matching is
/// deliberately greedy about what counts as a secret; a false positive costs a redacted word.
/// </remarks>
public static partial class SecretRedactor
{
    public const string Marker = "[REDACTED]";

    // "name": "value" (or an unquoted scalar) for credential-named JSON fields, any case.
    [GeneratedRegex(
        """
        "(?<name>api[_-]?key|x-api-key|x-goog-api-key|authorization|proxy-authorization|password|passwd|secret|client_secret|access_token|refresh_token)"\s*:\s*(?:"(?:[^"\\]|\\.)*"|[^\s,}\]]+)
        """,
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex JsonCredentialField();

    // OpenAI (sk-, sk-proj-) and Anthropic (sk-ant-api03-) keys; Google API keys (AIza + 35).
    [GeneratedRegex(@"\bsk-[A-Za-z0-9_\-]{16,}|\bAIza[0-9A-Za-z_\-]{30,}", RegexOptions.CultureInvariant)]
    private static partial Regex ApiKey();

    // RFC 6750 bearer credentials (b64token).
    [GeneratedRegex(@"\bbearer\s+[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerToken();

    /// <summary>True when <paramref name="text"/> contains anything <see cref="Redact(string)"/> would replace.</summary>
    public static bool ContainsSecret(string text) =>
        ApiKey().IsMatch(text) || BearerToken().IsMatch(text) || JsonCredentialField().IsMatch(text);

    /// <summary>Returns <paramref name="text"/> with secrets replaced (the same instance when there are none).</summary>
    public static string Redact(string text)
    {
        if (!ContainsSecret(text))
        {
            return text;
        }

        text = JsonCredentialField().Replace(text, "\"${name}\":\"" + Marker + "\"");
        text = BearerToken().Replace(text, "Bearer " + Marker);
        return ApiKey().Replace(text, Marker);
    }

    /// <summary>UTF-8 in, UTF-8 out (bodies). Invalid UTF-8 sequences become U+FFFD.</summary>
    public static byte[] Redact(ReadOnlySpan<byte> utf8)
    {
        var text = Encoding.UTF8.GetString(utf8);
        var redacted = Redact(text);
        return ReferenceEquals(text, redacted) ? utf8.ToArray() : Encoding.UTF8.GetBytes(redacted);
    }
}
