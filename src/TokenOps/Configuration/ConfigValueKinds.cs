using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Configuration;

/// <summary>
/// How one kind of config value is read from JSON (the config file) and from text (environment
/// variables and flags). Each returns null on success or the problem in words a user can act on.
/// </summary>
internal abstract class ConfigValueKind<T>
{
    public abstract string? FromJson(JsonElement element, out T value);

    public abstract string? FromText(string text, out T value);

    protected static string Show(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? "\"" + element.GetString() + "\"" : element.GetRawText();
}

internal static class ConfigValueKinds
{
    public static readonly ConfigValueKind<bool> Bool = new BoolKind();
    public static readonly ConfigValueKind<TimeSpan> PositiveDuration = new DurationKind();
    public static readonly ConfigValueKind<long> Size = new SizeKind(long.MaxValue);
    public static readonly ConfigValueKind<Uri> HttpUrl = new UrlKind();
    public static readonly ConfigValueKind<string> Listen = new ListenKind();
    public static readonly ConfigValueKind<string> FilePath = new PathKind();
    public static readonly ConfigValueKind<LogLevel> Level = new LogLevelKind();
    public static readonly ConfigValueKind<ImmutableSortedDictionary<string, string>> StringMap = new StringMapKind();

    /// <summary><c>optimizer.router.rules</c>: a list of <c>{from, to, max_input_tokens?, quality?, provider?}</c> objects.</summary>
    public static readonly ConfigValueKind<ImmutableArray<ModelRouteRule>> RouteRules = new RouteRulesKind();

    public static ConfigValueKind<int> Int(int min, int max) => new IntKind(min, max);

    /// <summary>A size (bytes or "4MB") of at most <paramref name="max"/> bytes.</summary>
    public static ConfigValueKind<long> SizeAtMost(long max) => new SizeKind(max);

    public static ConfigValueKind<double> Number(double min, double max) => new DoubleKind(min, max);

    public static ConfigValueKind<string> OneOf(params string[] allowed) => new OneOfKind(allowed);

    public static ConfigValueKind<ImmutableArray<string>> ListOf(ImmutableArray<string> allowed) => new ListKind(allowed);

    public static ConfigValueKind<JsonElement> Raw(bool allowObject) => new RawKind(allowObject);

    private sealed class BoolKind : ConfigValueKind<bool>
    {
        public override string? FromJson(JsonElement element, out bool value)
        {
            value = element.ValueKind == JsonValueKind.True;
            return element.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"{Show(element)} is not true or false";
        }

        public override string? FromText(string text, out bool value)
        {
            switch (text.Trim().ToLowerInvariant())
            {
                case "1" or "true" or "yes" or "on":
                    value = true;
                    return null;
                case "0" or "false" or "no" or "off":
                    value = false;
                    return null;
                default:
                    value = false;
                    return $"\"{text}\" is not one of 1, 0, true, false";
            }
        }
    }

    private sealed class IntKind(int min, int max) : ConfigValueKind<int>
    {
        public override string? FromJson(JsonElement element, out int value)
        {
            value = 0;
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out value))
            {
                return $"{Show(element)} is not a whole number";
            }

            return Check(value);
        }

        public override string? FromText(string text, out int value) =>
            int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) ? Check(value) : $"\"{text}\" is not a whole number";

        private string? Check(int value) => value >= min && value <= max ? null : $"{value} is not between {min} and {max}";
    }

    private sealed class DoubleKind(double min, double max) : ConfigValueKind<double>
    {
        public override string? FromJson(JsonElement element, out double value)
        {
            value = 0;
            return element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value) ? Check(value) : $"{Show(element)} is not a number";
        }

        public override string? FromText(string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) ? Check(value) : $"\"{text}\" is not a number";

        private string? Check(double value) =>
            value >= min && value <= max ? null : $"{value.ToString(CultureInfo.InvariantCulture)} is not between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}";
    }

    private sealed class DurationKind : ConfigValueKind<TimeSpan>
    {
        public override string? FromJson(JsonElement element, out TimeSpan value)
        {
            value = TimeSpan.Zero;
            if (element.ValueKind != JsonValueKind.String)
            {
                return $"{Show(element)} is not {DurationParser.Expected} (write it as a string with a unit)";
            }

            return FromText(element.GetString()!, out value);
        }

        public override string? FromText(string text, out TimeSpan value)
        {
            if (!DurationParser.TryParse(text, out value))
            {
                return $"\"{text}\" is not {DurationParser.Expected}";
            }

            return value > TimeSpan.Zero ? null : $"\"{text}\" must be longer than 0s";
        }
    }

    private sealed class SizeKind(long max) : ConfigValueKind<long>
    {
        public override string? FromJson(JsonElement element, out long value)
        {
            value = 0;
            if (element.ValueKind == JsonValueKind.Number)
            {
                return element.TryGetInt64(out value) && value > 0 ? Check(Show(element), value) : $"{Show(element)} is not {SizeParser.Expected}";
            }

            return element.ValueKind == JsonValueKind.String ? FromText(element.GetString()!, out value) : $"{Show(element)} is not {SizeParser.Expected}";
        }

        public override string? FromText(string text, out long value) =>
            SizeParser.TryParse(text, out value) && value > 0 ? Check("\"" + text + "\"", value) : $"\"{text}\" is not {SizeParser.Expected}";

        private string? Check(string shown, long value) =>
            value <= max ? null : $"{shown} is more than the maximum of {max.ToString(CultureInfo.InvariantCulture)} bytes";
    }

    private sealed class UrlKind : ConfigValueKind<Uri>
    {
        public override string? FromJson(JsonElement element, out Uri value)
        {
            value = null!;
            return element.ValueKind == JsonValueKind.String ? FromText(element.GetString()!, out value) : $"{Show(element)} is not a URL";
        }

        public override string? FromText(string text, out Uri value)
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Query.Length == 0 && uri.Fragment.Length == 0)
            {
                value = uri;
                return null;
            }

            value = null!;
            return $"\"{ConfigMasking.MaskUrl(text)}\" is not an http(s) URL without query, like https://api.openai.com";
        }
    }

    private sealed class ListenKind : ConfigValueKind<string>
    {
        public override string? FromJson(JsonElement element, out string value)
        {
            value = string.Empty;
            return element.ValueKind == JsonValueKind.String ? FromText(element.GetString()!, out value) : $"{Show(element)} is not an address like {ListenAddress.Example}";
        }

        public override string? FromText(string text, out string value)
        {
            value = text.Trim();
            return ListenAddress.TryParse(value, out _, out var error) ? null : error;
        }
    }

    private sealed class PathKind : ConfigValueKind<string>
    {
        public override string? FromJson(JsonElement element, out string value)
        {
            value = string.Empty;
            return element.ValueKind == JsonValueKind.String ? FromText(element.GetString()!, out value) : $"{Show(element)} is not a file path";
        }

        public override string? FromText(string text, out string value)
        {
            value = text.Trim();
            if (value.Length == 0)
            {
                return "a file path cannot be empty";
            }

            if (value == "~" || value.StartsWith("~/", StringComparison.Ordinal))
            {
                value = Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), value[1..]);
            }

            try
            {
                value = Path.GetFullPath(value);
                return null;
            }
            catch (ArgumentException)
            {
                return $"\"{text}\" is not a valid file path";
            }
        }
    }

    private sealed class LogLevelKind : ConfigValueKind<LogLevel>
    {
        public override string? FromJson(JsonElement element, out LogLevel value)
        {
            value = LogLevel.Information;
            return element.ValueKind == JsonValueKind.String ? FromText(element.GetString()!, out value) : $"{Show(element)} is not a log level";
        }

        public override string? FromText(string text, out LogLevel value)
        {
            LogLevel? level = text.Trim().ToLowerInvariant() switch
            {
                "trace" => LogLevel.Trace,
                "debug" => LogLevel.Debug,
                "info" or "information" => LogLevel.Information,
                "warn" or "warning" => LogLevel.Warning,
                "error" => LogLevel.Error,
                "critical" => LogLevel.Critical,
                "none" => LogLevel.None,
                _ => null,
            };
            value = level ?? LogLevel.Information;
            return level is null ? $"\"{text}\" is not one of trace, debug, information, warning, error, critical, none" : null;
        }
    }

    private sealed class OneOfKind(string[] allowed) : ConfigValueKind<string>
    {
        public override string? FromJson(JsonElement element, out string value)
        {
            value = string.Empty;
            return element.ValueKind == JsonValueKind.String ? FromText(element.GetString()!, out value) : $"{Show(element)} is not one of {string.Join(", ", allowed)}";
        }

        public override string? FromText(string text, out string value)
        {
            foreach (var candidate in allowed)
            {
                if (string.Equals(candidate, text.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    value = candidate;
                    return null;
                }
            }

            value = string.Empty;
            return $"\"{text}\" is not one of {string.Join(", ", allowed)}";
        }
    }

    private sealed class ListKind(ImmutableArray<string> allowed) : ConfigValueKind<ImmutableArray<string>>
    {
        public override string? FromJson(JsonElement element, out ImmutableArray<string> value)
        {
            value = [];
            if (element.ValueKind != JsonValueKind.Array)
            {
                return $"{Show(element)} is not a list like [\"{allowed[0]}\"]";
            }

            var items = ImmutableArray.CreateBuilder<string>();
            foreach (var item in element.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    return $"{Show(item)} is not one of {string.Join(", ", allowed)}";
                }

                var error = Add(items, item.GetString()!);
                if (error is not null)
                {
                    return error;
                }
            }

            value = items.ToImmutable();
            return null;
        }

        public override string? FromText(string text, out ImmutableArray<string> value)
        {
            value = [];
            var items = ImmutableArray.CreateBuilder<string>();
            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var error = Add(items, part);
                if (error is not null)
                {
                    return error;
                }
            }

            value = items.ToImmutable();
            return null;
        }

        private string? Add(ImmutableArray<string>.Builder items, string item)
        {
            foreach (var candidate in allowed)
            {
                if (string.Equals(candidate, item, StringComparison.OrdinalIgnoreCase))
                {
                    if (!items.Contains(candidate))
                    {
                        items.Add(candidate);
                    }

                    return null;
                }
            }

            return $"\"{item}\" is not one of {string.Join(", ", allowed)}";
        }
    }

    /// <summary>A string→string object; as text, the OTEL_EXPORTER_OTLP_HEADERS form <c>k1=v1,k2=v2</c>.</summary>
    private sealed class StringMapKind : ConfigValueKind<ImmutableSortedDictionary<string, string>>
    {
        public override string? FromJson(JsonElement element, out ImmutableSortedDictionary<string, string> value)
        {
            value = ImmutableSortedDictionary<string, string>.Empty;
            if (element.ValueKind != JsonValueKind.Object)
            {
                return "is not an object like {\"name\": \"value\"}";
            }

            var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in element.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    // Never echo the value: header values are usually credentials.
                    return $"the value of \"{property.Name}\" is not a string";
                }

                builder[property.Name] = property.Value.GetString()!;
            }

            value = builder.ToImmutable();
            return null;
        }

        public override string? FromText(string text, out ImmutableSortedDictionary<string, string> value)
        {
            value = ImmutableSortedDictionary<string, string>.Empty;
            var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    return "is not a list like name1=value1,name2=value2";
                }

                builder[pair[..eq].Trim()] = Uri.UnescapeDataString(pair[(eq + 1)..].Trim());
            }

            value = builder.ToImmutable();
            return null;
        }
    }

    /// <summary>
    /// Model router rules, validated field by field so a typo or a bad value names the rule and the field
    /// (<c>rule 2: quality: 1.5 is not between 0 and 1</c>). As text (flags), the same JSON array.
    /// </summary>
    private sealed class RouteRulesKind : ConfigValueKind<ImmutableArray<ModelRouteRule>>
    {
        private const string Example = "[{\"from\": \"gpt-4o\", \"to\": \"gpt-4o-mini\", \"max_input_tokens\": 2000, \"quality\": 0.9}]";
        private static readonly ConfigValueKind<int> Tokens = new IntKind(1, int.MaxValue);
        private static readonly ConfigValueKind<double> Quality = new DoubleKind(0, 1);
        private static readonly ConfigValueKind<string> Provider = new OneOfKind(["openai", "anthropic", "gemini"]);

        public override string? FromJson(JsonElement element, out ImmutableArray<ModelRouteRule> value)
        {
            value = [];
            if (element.ValueKind != JsonValueKind.Array)
            {
                return $"is not a list of rules like {Example}";
            }

            var rules = ImmutableArray.CreateBuilder<ModelRouteRule>();
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                index++;
                var error = ReadRule(item, out var rule);
                if (error is not null)
                {
                    return $"rule {index.ToString(CultureInfo.InvariantCulture)}: {error}";
                }

                rules.Add(rule);
            }

            value = rules.ToImmutable();
            return null;
        }

        public override string? FromText(string text, out ImmutableArray<ModelRouteRule> value)
        {
            try
            {
                using var document = JsonDocument.Parse(text, ConfigLoader.DocumentOptions);
                return FromJson(document.RootElement, out value);
            }
            catch (JsonException)
            {
                value = [];
                return "is not valid JSON";
            }
        }

        private static string? ReadRule(JsonElement item, out ModelRouteRule rule)
        {
            rule = null!;
            if (item.ValueKind != JsonValueKind.Object)
            {
                return $"{Show(item)} is not an object like {{\"from\": \"gpt-4o\", \"to\": \"gpt-4o-mini\"}}";
            }

            string? from = null;
            string? to = null;
            int? maxInputTokens = null;
            var quality = 0.9;
            string? provider = null;
            foreach (var property in item.EnumerateObject())
            {
                string? error;
                switch (property.Name)
                {
                    case "from":
                        error = ModelName(property.Value, out from);
                        break;
                    case "to":
                        error = ModelName(property.Value, out to);
                        break;
                    case "max_input_tokens" when property.Value.ValueKind == JsonValueKind.Null:
                        maxInputTokens = null;
                        error = null;
                        break;
                    case "max_input_tokens":
                        error = Tokens.FromJson(property.Value, out var tokens);
                        maxInputTokens = tokens;
                        break;
                    case "quality":
                        error = Quality.FromJson(property.Value, out quality);
                        break;
                    case "provider":
                        error = property.Value.ValueKind == JsonValueKind.Null ? null : Provider.FromJson(property.Value, out provider);
                        break;
                    default:
                        return $"\"{property.Name}\" is not one of from, to, max_input_tokens, quality, provider";
                }

                if (error is not null)
                {
                    return property.Name + ": " + error;
                }
            }

            if (from is null || to is null)
            {
                return from is null ? "\"from\" is missing (the model to route away from)" : "\"to\" is missing (the model to route to)";
            }

            rule = new ModelRouteRule { From = from, To = to, MaxInputTokens = maxInputTokens, Quality = quality, Provider = provider };
            return null;
        }

        private static string? ModelName(JsonElement element, out string? value)
        {
            value = element.ValueKind == JsonValueKind.String ? element.GetString()!.Trim() : null;
            return string.IsNullOrEmpty(value) ? $"{Show(element)} is not a model name like \"gpt-4o\" or \"claude-opus-*\"" : null;
        }
    }

    /// <summary>Kept as raw JSON for the feature that owns it (pricing overrides, budgets).</summary>
    private sealed class RawKind(bool allowObject) : ConfigValueKind<JsonElement>
    {
        public override string? FromJson(JsonElement element, out JsonElement value)
        {
            value = element.Clone();
            if (element.ValueKind == JsonValueKind.Array || (allowObject && element.ValueKind == JsonValueKind.Object))
            {
                return null;
            }

            return allowObject ? "is not a JSON object or array" : "is not a JSON array";
        }

        public override string? FromText(string text, out JsonElement value)
        {
            try
            {
                using var document = JsonDocument.Parse(text, ConfigLoader.DocumentOptions);
                return FromJson(document.RootElement, out value);
            }
            catch (JsonException)
            {
                value = default;
                return "is not valid JSON";
            }
        }
    }
}
