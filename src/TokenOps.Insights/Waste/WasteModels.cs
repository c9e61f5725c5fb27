namespace TokenOps.Insights.Waste;

/// <summary>The <c>tokenops waste --json</c> document (MCP <c>waste_findings</c>, dashboard: same record).</summary>
public sealed record WasteReport
{
    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    public bool IncludeDemo { get; init; }
    /// <summary>Ranked by estimated USD saved, highest first.</summary>
    public required IReadOnlyList<WasteFinding> Findings { get; init; }
    public decimal TotalUsdSaved { get; init; }
    public long TotalTokensSaved { get; init; }
    /// <summary>Prompt events analysed.</summary>
    public int EventsAnalysed { get; init; }
}

/// <summary>The <c>tokenops coach --json</c> document.</summary>
public sealed record CoachReport
{
    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    public bool IncludeDemo { get; init; }
    /// <summary>Up to three, highest projected monthly saving first.</summary>
    public required IReadOnlyList<Recommendation> Recommendations { get; init; }
    public decimal ProjectedMonthlyUsd { get; init; }
}

/// <summary>One plain-language recommendation: all findings of one kind, with the saving projected to 30 days.</summary>
public sealed record Recommendation
{
    public int Rank { get; init; }
    public required string Kind { get; init; }
    public required string Title { get; init; }
    public required string Advice { get; init; }
    public int Findings { get; init; }
    public decimal UsdSavedInRange { get; init; }
    public long TokensSavedInRange { get; init; }
    /// <summary>UsdSavedInRange × 30 days / range length.</summary>
    public decimal ProjectedMonthlyUsd { get; init; }
    /// <summary>The summary of the most valuable finding of this kind.</summary>
    public required string Example { get; init; }
}
