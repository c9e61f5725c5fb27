using System.Text.Json;

namespace TokenOps.Configuration;

/// <summary>
/// What <c>config show</c> hides: every OTLP header value (they carry collector credentials), string
/// values under any key that names a secret, and passwords inside URLs.
/// </summary>
internal static class ConfigMasking
{
    public const string Mask = "***";

    private static readonly string[] SecretWords = ["key", "token", "secret", "password", "passwd", "auth", "credential"];

    public static bool IsSecretName(string name)
    {
        foreach (var word in SecretWords)
        {
            if (name.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Replaces the user-info part of a URL (<c>https://user:pass@host</c>) with the mask.</summary>
    public static string MaskUrl(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return url;
        }

        var start = scheme + 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        var at = url.LastIndexOf('@', end < 0 ? url.Length - 1 : end - 1);
        return at >= start ? string.Concat(url.AsSpan(0, start), Mask, url.AsSpan(at)) : url;
    }

    /// <summary>Copies raw JSON, masking string values whose property name looks like a secret.</summary>
    public static void WriteMasked(Utf8JsonWriter writer, JsonElement element, bool maskStrings = false)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    WriteMasked(writer, property.Value, maskStrings || IsSecretName(property.Name));
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteMasked(writer, item, maskStrings);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String when maskStrings:
                writer.WriteStringValue(Mask);
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
