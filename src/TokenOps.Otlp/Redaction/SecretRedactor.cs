using System.Text.RegularExpressions;

namespace TokenOps.Otlp.Redaction;

/// <summary>
/// Removes credentials from text before it leaves the machine. Applied to every exported body and to error
/// messages, whatever include_content says. Patterns: OpenAI/Anthropic keys (sk-..., sk-ant-...), Google API
/// keys (AIza + 35), bearer tokens, and JSON/query/header fields whose NAME says they hold a secret.
/// </summary>
internal static partial class SecretRedactor
{
    public const string Mask = "[REDACTED]";

    public static string Redact(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        var result = ProviderKeyPattern().Replace(text, Mask);
        result = BearerPattern().Replace(result, "${scheme}" + Mask);
        result = NamedSecretPattern().Replace(result, "${name}${sep}" + Mask);
        return result;
    }

    // sk-proj-..., sk-ant-api03-..., sk-... (OpenAI/Anthropic); AIza... (Google API keys, 39 chars total).
    [GeneratedRegex(@"\bsk-[A-Za-z0-9_\-]{16,}|\bAIza[0-9A-Za-z_\-]{35}", RegexOptions.CultureInvariant)]
    private static partial Regex ProviderKeyPattern();

    [GeneratedRegex(@"(?<scheme>\b[Bb]earer\s+)[A-Za-z0-9_\-\.=+/]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex BearerPattern();

    // "api_key": "…", x-api-key: …, ?key=…, "authorization":"…", password / secret / token fields.
    [GeneratedRegex(
        @"(?<name>(?:""|\b)(?:api[_-]?key|x-api-key|x-goog-api-key|authorization|access[_-]?token|secret|password|client[_-]?secret|key)""?)(?<sep>\s*[:=]\s*""?)(?!\[REDACTED\])[^""\s&,}]{4,}",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex NamedSecretPattern();
}
