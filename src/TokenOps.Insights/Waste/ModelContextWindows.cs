namespace TokenOps.Insights.Waste;

/// <summary>
/// Context windows (prompt + output tokens) of the model families, from the providers' model pages
/// (https://platform.openai.com/docs/models, https://docs.claude.com/en/docs/about-claude/models/overview,
/// https://ai.google.dev/gemini-api/docs/models). Longest matching prefix wins; unknown models have no window.
/// </summary>
internal static class ModelContextWindows
{
    private static readonly (string Prefix, long Tokens)[] Table =
    [
        ("gpt-4o", 128_000), ("gpt-4.1", 1_047_576), ("gpt-5", 400_000), ("o1", 200_000), ("o3", 200_000), ("o4", 200_000),
        ("gpt-4-turbo", 128_000), ("gpt-3.5", 16_385),
        ("claude-", 200_000),
        ("gemini-2.5", 1_048_576), ("gemini-2.0", 1_048_576), ("gemini-3", 1_048_576), ("gemini-1.5-pro", 2_097_152), ("gemini-1.5", 1_048_576),
    ];

    public static long? Find(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return null;
        }

        var name = model.StartsWith("models/", StringComparison.Ordinal) ? model[7..] : model;
        (string Prefix, long Tokens)? best = null;
        foreach (var entry in Table)
        {
            if (name.StartsWith(entry.Prefix, StringComparison.OrdinalIgnoreCase) && (best is null || entry.Prefix.Length > best.Value.Prefix.Length))
            {
                best = entry;
            }
        }

        return best?.Tokens;
    }
}
