using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace TokenOps.Core.Pricing;

/// <summary>
/// The rate card: the embedded <c>ratecard.json</c> with user overrides merged over it, indexed for lookup.
/// </summary>
/// <remarks>
/// Matching (provider aware, case-insensitive), first hit wins:
/// <list type="number">
/// <item>exact model name (after dropping a <c>models/</c> prefix, as Gemini reports it);</item>
/// <item>dated snapshot: strip version suffixes (<c>-2024-08-06</c>, <c>-20250929</c>, <c>-001</c>, <c>-latest</c>,
///   <c>-preview-05-06</c>, <c>-exp</c>) repeatedly and look up the base name;</item>
/// <item>longest prefix at a name boundary: the prefix must be followed by <c>-</c> and a letter, so
///   <c>gpt-4o-mini-audio</c> matches <c>gpt-4o-mini</c> but <c>claude-opus-4-9</c> does NOT match
///   <c>claude-opus-4</c> and <c>gpt-5.9</c> does not match <c>gpt-5</c> (a new version is unpriced, never mispriced).</item>
/// </list>
/// </remarks>
public sealed class RateCard
{
    /// <summary>Manifest name of the embedded card (see TokenOps.Core.csproj).</summary>
    public const string ResourceName = "TokenOps.Core.Pricing.ratecard.json";

    private const int MaxCachedLookups = 4096;
    private static readonly Lazy<RateCard> LazyEmbedded = new(LoadEmbedded);

    private readonly Dictionary<string, RateRow> _exact;
    private readonly ConcurrentDictionary<string, RateMatch?> _lookupCache = new(StringComparer.Ordinal);

    private RateCard(string version, List<RateRow> rows, int overrideCount)
    {
        Version = version;
        Rows = rows;
        OverrideCount = overrideCount;
        _exact = new Dictionary<string, RateRow>(rows.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var row in rows)
        {
            _exact[Key(row.Provider!, row.Model!)] = row;
        }
    }

    /// <summary>Version stamped on every costed event; <c>+overrides</c> is appended when user rows were merged.</summary>
    public string Version { get; }

    public IReadOnlyList<RateRow> Rows { get; }

    /// <summary>How many user override rows were merged over the embedded card.</summary>
    public int OverrideCount { get; }

    /// <summary>The embedded card, parsed once.</summary>
    public static RateCard Embedded => LazyEmbedded.Value;

    /// <summary>Builds the effective card: embedded rows, then rows from <paramref name="pricingPath"/>, then <paramref name="overrides"/> (later wins per provider+model).</summary>
    /// <returns>The card, or null with every problem listed in <paramref name="errors"/>.</returns>
    public static RateCard? Create(IReadOnlyList<RateRow>? overrides, string? pricingPath, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var fileRows = new List<RateRow>();
        if (!string.IsNullOrWhiteSpace(pricingPath))
        {
            if (!File.Exists(pricingPath))
            {
                problems.Add($"pricing.path: file '{pricingPath}' does not exist");
            }
            else
            {
                var doc = ParseDocument(File.ReadAllText(pricingPath), $"pricing.path ({pricingPath})", problems);
                if (doc?.Models is { } models)
                {
                    RateCardValidator.Validate(models, $"pricing.path ({pricingPath}): models", requireProvenance: false, problems);
                    fileRows.AddRange(models);
                }
            }
        }

        if (overrides is not null)
        {
            RateCardValidator.Validate(overrides, "pricing.overrides", requireProvenance: false, problems);
        }

        if (problems.Count > 0)
        {
            errors = problems;
            return null;
        }

        errors = [];
        var embedded = Embedded;
        if (fileRows.Count == 0 && (overrides is null || overrides.Count == 0))
        {
            return embedded;
        }

        var merged = new Dictionary<string, RateRow>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        void Put(RateRow row)
        {
            var key = Key(row.Provider!, row.Model!);
            if (!merged.ContainsKey(key))
            {
                order.Add(key);
            }

            merged[key] = row;
        }

        foreach (var row in embedded.Rows)
        {
            Put(row);
        }

        foreach (var row in fileRows)
        {
            Put(Normalize(row));
        }

        if (overrides is not null)
        {
            foreach (var row in overrides)
            {
                Put(Normalize(row));
            }
        }

        var rows = new List<RateRow>(order.Count);
        foreach (var key in order)
        {
            rows.Add(merged[key]);
        }

        return new RateCard(embedded.Version + "+overrides", rows, fileRows.Count + (overrides?.Count ?? 0));
    }

    /// <summary>Parses a JSON array of rows (the value of <c>pricing.overrides</c>); errors name the origin, row and field.</summary>
    public static List<RateRow>? ParseRows(string json, string origin, List<string> errors)
    {
        try
        {
            return JsonSerializer.Deserialize(json, PricingJsonContext.Default.ListRateRow) ?? [];
        }
        catch (JsonException ex)
        {
            errors.Add($"{origin}: invalid JSON at {ex.Path ?? "$"} (line {ex.LineNumber + 1}): {FirstLine(ex.Message)}");
            return null;
        }
    }

    /// <summary>Finds the row for a provider's model name (see the matching rules on the type). Thread-safe; results are memoised.</summary>
    public RateMatch? Find(string provider, string? model)
    {
        if (string.IsNullOrEmpty(provider) || string.IsNullOrWhiteSpace(model))
        {
            return null;
        }

        var cacheKey = Key(provider, model);
        if (_lookupCache.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        var result = FindUncached(provider, model);
        if (_lookupCache.Count < MaxCachedLookups)
        {
            _lookupCache.TryAdd(cacheKey, result);
        }

        return result;
    }

    private RateMatch? FindUncached(string provider, string model)
    {
        var name = model.Trim().ToLowerInvariant();
        if (name.StartsWith("models/", StringComparison.Ordinal))
        {
            name = name["models/".Length..];
        }

        if (_exact.TryGetValue(Key(provider, name), out var row))
        {
            return new RateMatch(row, MatchKinds.Exact, name);
        }

        var stripped = name;
        while (TryStripSnapshotSuffix(stripped, out var shorter))
        {
            stripped = shorter;
            if (_exact.TryGetValue(Key(provider, stripped), out row))
            {
                return new RateMatch(row, MatchKinds.Snapshot, stripped);
            }
        }

        RateRow? best = null;
        foreach (var candidate in Rows)
        {
            if (!string.Equals(candidate.Provider, provider, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var prefix = candidate.Model!;
            if (stripped.Length > prefix.Length + 1
                && stripped.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && stripped[prefix.Length] == '-'
                && char.IsAsciiLetter(stripped[prefix.Length + 1])
                && (best is null || prefix.Length > best.Model!.Length))
            {
                best = candidate;
            }
        }

        return best is null ? null : new RateMatch(best, MatchKinds.Prefix, stripped);
    }

    /// <summary>Strips one trailing version suffix: -YYYY-MM-DD, -YYYYMMDD, -NNN, -latest, -exp, -preview[-MM-DD|-MM-YYYY].</summary>
    internal static bool TryStripSnapshotSuffix(string name, out string shorter)
    {
        shorter = name;
        var span = name.AsSpan();
        if (EndsWithDigitsGroups(span, [4, 2, 2], out var cut) // -2024-08-06
            || EndsWithDigitsGroups(span, [8], out cut)        // -20250929
            || EndsWithDigitsGroups(span, [2, 4], out cut)     // -09-2025 (gemini preview)
            || EndsWithDigitsGroups(span, [2, 2], out cut)     // -05-06 (gemini preview)
            || EndsWithDigitsGroups(span, [3], out cut))       // -001 (gemini stable version)
        {
            shorter = name[..cut];
            return shorter.Length > 0;
        }

        foreach (var word in (ReadOnlySpan<string>)["-latest", "-preview", "-exp"])
        {
            if (name.EndsWith(word, StringComparison.Ordinal) && name.Length > word.Length)
            {
                shorter = name[..^word.Length];
                return true;
            }
        }

        return false;
    }

    private static bool EndsWithDigitsGroups(ReadOnlySpan<char> s, ReadOnlySpan<int> groups, out int cut)
    {
        var end = s.Length;
        for (var g = groups.Length - 1; g >= 0; g--)
        {
            var len = groups[g];
            var start = end - len;
            if (start < 1 || s[start - 1] != '-')
            {
                cut = 0;
                return false;
            }

            for (var i = start; i < end; i++)
            {
                if (!char.IsAsciiDigit(s[i]))
                {
                    cut = 0;
                    return false;
                }
            }

            end = start - 1;
        }

        cut = end;
        return end > 0;
    }

    private static RateCard LoadEmbedded()
    {
        using var stream = typeof(RateCard).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded rate card '{ResourceName}' is missing from {typeof(RateCard).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var doc = JsonSerializer.Deserialize(reader.ReadToEnd(), PricingJsonContext.Default.RateCardDocument)
            ?? throw new InvalidOperationException("Embedded rate card is empty.");
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(doc.Version))
        {
            problems.Add("ratecard.json: version is required");
        }

        var rows = doc.Models ?? [];
        RateCardValidator.Validate(rows, "ratecard.json: models", requireProvenance: true, problems);
        if (problems.Count > 0)
        {
            // A broken embedded card is a build defect; tests load it.
            throw new InvalidOperationException(string.Join(Environment.NewLine, problems));
        }

        var normalized = new List<RateRow>(rows.Count);
        foreach (var row in rows)
        {
            normalized.Add(Normalize(row));
        }

        return new RateCard(doc.Version!, normalized, 0);
    }

    private static RateCardDocument? ParseDocument(string json, string origin, List<string> errors)
    {
        try
        {
            var doc = JsonSerializer.Deserialize(json, PricingJsonContext.Default.RateCardDocument);
            if (doc?.Models is null)
            {
                errors.Add($"{origin}: expected an object with a \"models\" array");
                return null;
            }

            return doc;
        }
        catch (JsonException ex)
        {
            errors.Add($"{origin}: invalid JSON at {ex.Path ?? "$"} (line {ex.LineNumber + 1}): {FirstLine(ex.Message)}");
            return null;
        }
    }

    private static RateRow Normalize(RateRow row)
    {
        row.Provider = row.Provider!.Trim().ToLowerInvariant();
        row.Model = row.Model!.Trim().ToLowerInvariant();
        return row;
    }

    private static string FirstLine(string message)
    {
        var i = message.IndexOf('\n', StringComparison.Ordinal);
        return i < 0 ? message : message[..i].TrimEnd();
    }

    private static string Key(string provider, string model) =>
        string.Concat(provider.ToLowerInvariant(), "\u001f", model.ToLowerInvariant());

    internal static bool IsDate(string value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
}
