using System.Text.Json;

namespace TokenOps.Mcp;

/// <summary>
/// Validated access to a tools/call "arguments" object. Every accessor checks the JSON type and throws
/// <see cref="ToolInputException"/> with a message naming the argument, the expected type and what was sent.
/// Unknown arguments are rejected too (a typo should not silently fall back to a default).
/// </summary>
internal sealed class ToolArguments
{
    private readonly IReadOnlyDictionary<string, JsonElement> _values;

    public ToolArguments(IReadOnlyDictionary<string, JsonElement>? values) => _values = values ?? new Dictionary<string, JsonElement>();

    public void RejectUnknown(JsonElement inputSchema)
    {
        if (!inputSchema.TryGetProperty("properties", out var properties))
        {
            return;
        }

        foreach (var name in _values.Keys)
        {
            if (!properties.TryGetProperty(name, out _))
            {
                var known = new List<string>();
                foreach (var property in properties.EnumerateObject())
                {
                    known.Add(property.Name);
                }

                throw new ToolInputException($"Unknown argument '{name}'. Known arguments: {string.Join(", ", known)}.");
            }
        }

        if (inputSchema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray())
            {
                var n = name.GetString()!;
                if (!_values.TryGetValue(n, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    throw new ToolInputException($"Missing required argument '{n}'.");
                }
            }
        }
    }

    public string? String(string name)
    {
        if (!_values.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ToolInputException($"Argument '{name}' must be a string, got {Describe(value)}.");
    }

    public string? OneOf(string name, params string[] allowed)
    {
        var value = String(name);
        if (value is null)
        {
            return null;
        }

        foreach (var candidate in allowed)
        {
            if (string.Equals(candidate, value, StringComparison.Ordinal))
            {
                return value;
            }
        }

        throw new ToolInputException($"Argument '{name}' must be one of {string.Join(", ", allowed)}, got \"{value}\".");
    }

    public int? Int(string name, int min, int max)
    {
        if (!_values.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw new ToolInputException($"Argument '{name}' must be an integer, got {Describe(value)}.");
        }

        if (number < min || number > max)
        {
            throw new ToolInputException($"Argument '{name}' must be between {min} and {max}, got {number}.");
        }

        return number;
    }

    public bool? Bool(string name)
    {
        if (!_values.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ToolInputException($"Argument '{name}' must be a boolean, got {Describe(value)}."),
        };
    }

    public JsonElement? Array(string name)
    {
        if (!_values.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Array
            ? value
            : throw new ToolInputException($"Argument '{name}' must be an array, got {Describe(value)}.");
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(value.GetString())}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Truncate(string? text) => text is { Length: > 40 } ? text[..40] + "…" : text ?? "";
}
