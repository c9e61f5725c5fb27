namespace TokenOps.Core.Pricing;

/// <summary>Validates rate rows; every message names the origin, the row index, the field and what is wrong.</summary>
public static class RateCardValidator
{
    /// <summary>Upper bound for a sane per-million rate; catches per-token or per-thousand prices pasted by mistake in the wrong unit.</summary>
    public const decimal MaxRatePerMillion = 10_000m;

    private static readonly string[] KnownProviders = ["openai", "anthropic", "gemini"];

    public static void Validate(IReadOnlyList<RateRow> rows, string origin, bool requireProvenance, List<string> errors)
    {
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var at = $"{origin}[{i}]";
            if (row is null)
            {
                errors.Add($"{at}: row is null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(row.Provider))
            {
                errors.Add($"{at}.provider: required (one of {string.Join(", ", KnownProviders)})");
            }
            else if (Array.IndexOf(KnownProviders, row.Provider.Trim().ToLowerInvariant()) < 0)
            {
                errors.Add($"{at}.provider: '{row.Provider}' is not a known provider (one of {string.Join(", ", KnownProviders)})");
            }

            if (string.IsNullOrWhiteSpace(row.Model))
            {
                errors.Add($"{at}.model: required (e.g. \"gpt-4o\", \"claude-sonnet-4-5\", \"gemini-2.5-pro\")");
            }
            else if (row.Model.Trim().Length != row.Model.Length || row.Model.Contains(' ', StringComparison.Ordinal))
            {
                errors.Add($"{at}.model: '{row.Model}' must not contain spaces");
            }

            if (!string.IsNullOrWhiteSpace(row.Provider) && !string.IsNullOrWhiteSpace(row.Model))
            {
                var key = row.Provider.Trim() + "/" + row.Model.Trim();
                if (seen.TryGetValue(key, out var first))
                {
                    errors.Add($"{at}.model: duplicate of {origin}[{first}] ({key})");
                }
                else
                {
                    seen[key] = i;
                }
            }

            Required(row.Input, at + ".input", "USD per million input tokens", errors);
            Required(row.Output, at + ".output", "USD per million output tokens", errors);
            Optional(row.CachedInput, at + ".cached_input", errors);
            Optional(row.CacheWrite5m, at + ".cache_write_5m", errors);
            Optional(row.CacheWrite1h, at + ".cache_write_1h", errors);

            if (row.Tiers is { } tiers)
            {
                long previous = 0;
                for (var t = 0; t < tiers.Count; t++)
                {
                    var tier = tiers[t];
                    var tat = $"{at}.tiers[{t}]";
                    if (tier is null)
                    {
                        errors.Add($"{tat}: tier is null");
                        continue;
                    }

                    if (tier.AbovePromptTokens is not { } above || above <= 0)
                    {
                        errors.Add($"{tat}.above_prompt_tokens: required, a positive token count (e.g. 200000)");
                    }
                    else if (above <= previous)
                    {
                        errors.Add($"{tat}.above_prompt_tokens: {above} must be greater than the previous tier's {previous}");
                    }
                    else
                    {
                        previous = above;
                    }

                    Required(tier.Input, tat + ".input", "USD per million input tokens", errors);
                    Required(tier.Output, tat + ".output", "USD per million output tokens", errors);
                    // A tier must price everything the base row prices, or long prompts would silently fall back to cheaper rates.
                    Mirror(row.CachedInput, tier.CachedInput, tat + ".cached_input", errors);
                    Mirror(row.CacheWrite5m, tier.CacheWrite5m, tat + ".cache_write_5m", errors);
                    Mirror(row.CacheWrite1h, tier.CacheWrite1h, tat + ".cache_write_1h", errors);
                }
            }

            if (requireProvenance || row.Source is not null)
            {
                if (string.IsNullOrWhiteSpace(row.Source))
                {
                    errors.Add($"{at}.source: required (URL of the official price page)");
                }
                else if (!Uri.TryCreate(row.Source, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
                {
                    errors.Add($"{at}.source: '{row.Source}' is not an http(s) URL");
                }
            }

            if (requireProvenance || row.Checked is not null)
            {
                if (string.IsNullOrWhiteSpace(row.Checked) || !RateCard.IsDate(row.Checked))
                {
                    errors.Add($"{at}.checked: '{row.Checked}' must be a date yyyy-MM-dd");
                }
            }
        }
    }

    private static void Required(decimal? value, string field, string what, List<string> errors)
    {
        if (value is null)
        {
            errors.Add($"{field}: required ({what})");
        }
        else
        {
            Optional(value, field, errors);
        }
    }

    private static void Optional(decimal? value, string field, List<string> errors)
    {
        if (value is { } v)
        {
            if (v < 0)
            {
                errors.Add($"{field}: {v} is negative");
            }
            else if (v > MaxRatePerMillion)
            {
                errors.Add($"{field}: {v} is above {MaxRatePerMillion} USD per million tokens; rates are per MILLION tokens");
            }
        }
    }

    private static void Mirror(decimal? baseValue, decimal? tierValue, string field, List<string> errors)
    {
        if (baseValue is not null && tierValue is null)
        {
            errors.Add($"{field}: required because the base row has this rate");
        }
        else
        {
            Optional(tierValue, field, errors);
        }
    }
}
