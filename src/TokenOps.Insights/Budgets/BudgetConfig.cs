using System.Text.Json;

namespace TokenOps.Insights.Budgets;

/// <summary>One entry of <c>budgets[]</c> in the config.</summary>
/// <remarks>Settable (not init) properties: source-generated JSON overwrites init-only properties missing from the input with default values, which would lose warn_at/critical_at defaults.</remarks>
public sealed record BudgetConfig
{
    public string Name { get; set; } = "";
    /// <summary>daily | weekly (Monday-based) | monthly, in the local time zone.</summary>
    public string Window { get; set; } = BudgetWindows.Monthly;
    public decimal LimitUsd { get; set; }
    public double WarnAt { get; set; } = 0.75;
    public double CriticalAt { get; set; } = 0.95;
    public string? Provider { get; set; }
    /// <summary>Matches the stored model exactly or by its rate-card row (so <c>gpt-4o</c> covers <c>gpt-4o-2024-08-06</c>).</summary>
    public string? Model { get; set; }
    public string? Workflow { get; set; }
    public string? Agent { get; set; }
    /// <summary>When true and exhausted, the proxy answers 429 for matching requests.</summary>
    public bool Enforce { get; set; }

    /// <summary>Parses the config's <c>budgets</c> array (JSON text) and validates it; errors name the index and field.</summary>
    public static List<BudgetConfig>? ParseList(string json, List<string> errors)
    {
        List<BudgetConfig>? list;
        try
        {
            list = JsonSerializer.Deserialize(json, InsightsJsonContext.Default.ListBudgetConfig) ?? [];
        }
        catch (JsonException ex)
        {
            errors.Add($"budgets: invalid JSON at {ex.Path ?? "$"} (line {ex.LineNumber + 1})");
            return null;
        }

        var before = errors.Count;
        Validate(list, errors);
        return errors.Count == before ? list : null;
    }

    public static void Validate(IReadOnlyList<BudgetConfig> budgets, List<string> errors)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < budgets.Count; i++)
        {
            var b = budgets[i];
            var at = $"budgets[{i}]";
            if (string.IsNullOrWhiteSpace(b.Name))
            {
                errors.Add($"{at}.name: required");
            }
            else if (!names.Add(b.Name))
            {
                errors.Add($"{at}.name: duplicate budget name '{b.Name}'");
            }

            if (b.Window is not (BudgetWindows.Daily or BudgetWindows.Weekly or BudgetWindows.Monthly))
            {
                errors.Add($"{at}.window: '{b.Window}' must be daily, weekly or monthly");
            }

            if (b.LimitUsd <= 0)
            {
                errors.Add($"{at}.limit_usd: must be greater than 0");
            }

            if (b.WarnAt is <= 0 or > 1)
            {
                errors.Add($"{at}.warn_at: {b.WarnAt} must be a fraction in (0, 1]");
            }

            if (b.CriticalAt is <= 0 or > 1)
            {
                errors.Add($"{at}.critical_at: {b.CriticalAt} must be a fraction in (0, 1]");
            }
            else if (b.CriticalAt < b.WarnAt)
            {
                errors.Add($"{at}.critical_at: {b.CriticalAt} must not be below warn_at {b.WarnAt}");
            }
        }
    }
}

public static class BudgetWindows
{
    public const string Daily = "daily";
    public const string Weekly = "weekly";
    public const string Monthly = "monthly";
}

public static class BudgetStates
{
    public const string Ok = "ok";
    public const string Warn = "warn";
    public const string Critical = "critical";
    public const string Exceeded = "exceeded";
}

public sealed record BudgetStatus
{
    public required string Name { get; init; }
    public required string Window { get; init; }
    public required DateTimeOffset WindowStart { get; init; }
    public required DateTimeOffset WindowEnd { get; init; }
    public decimal LimitUsd { get; init; }
    public decimal ActualUsd { get; init; }
    /// <summary>Actual so far + forecast for the rest of the window.</summary>
    public decimal ForecastUsd { get; init; }
    /// <summary>Actual / limit.</summary>
    public double Used { get; init; }
    /// <summary>ok | warn | critical | exceeded (from actual spend).</summary>
    public required string State { get; init; }
    /// <summary>The local day the cumulative spend (actual, then forecast) reaches the limit inside this window; null if it does not.</summary>
    public DateOnly? ProjectedBreachDate { get; init; }
    public bool Enforce { get; init; }
    public string? Provider { get; init; }
    public string? Model { get; init; }
    public string? Workflow { get; init; }
    public string? Agent { get; init; }
}

/// <summary>The <c>tokenops budget --json</c> document.</summary>
public sealed record BudgetReport
{
    public required DateTimeOffset At { get; init; }
    public required IReadOnlyList<BudgetStatus> Budgets { get; init; }
}
