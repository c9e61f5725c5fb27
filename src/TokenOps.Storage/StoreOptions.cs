namespace TokenOps.Storage;

/// <summary>The <c>storage.*</c> settings the store needs (the daemon maps its config onto this).</summary>
public sealed record StoreOptions
{
    /// <summary>storage.path; "~/" is expanded. Default: $TOKENOPS_HOME/events.db or ~/.tokenops/events.db.</summary>
    public string Path { get; init; } = StorePaths.DefaultDatabasePath();

    /// <summary>storage.retention_days: rows older than this are deleted at start and daily. 0 = keep forever.</summary>
    public int RetentionDays { get; init; } = 90;

    /// <summary>How long a statement waits for another connection's lock before the store reports "locked".</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often retention runs after the first run at start.</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromDays(1);
}

public static class StorePaths
{
    public const string HomeVariable = "TOKENOPS_HOME";

    /// <summary>$TOKENOPS_HOME, else ~/.tokenops.</summary>
    public static string HomeDirectory()
    {
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        return string.IsNullOrWhiteSpace(home)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".tokenops")
            : Expand(home);
    }

    public static string DefaultDatabasePath() => System.IO.Path.Combine(HomeDirectory(), "events.db");

    /// <summary>Expands a leading "~/" and makes the path absolute.</summary>
    public static string Expand(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        }

        return System.IO.Path.GetFullPath(path);
    }
}
