namespace TokenOps.Storage;

/// <summary>Why the event store cannot be used.</summary>
public enum StoreFailure
{
    /// <summary>No database file exists (readers only; the writer creates it).</summary>
    NotFound,
    /// <summary>The file is not a SQLite database, or is damaged.</summary>
    Corrupt,
    /// <summary>Another process holds a lock longer than the busy timeout.</summary>
    Locked,
    /// <summary>The directory or file cannot be created or written.</summary>
    Unwritable,
    /// <summary>The database was migrated by a newer TokenOps.</summary>
    Incompatible,
    Other,
}

/// <summary>
/// The store cannot be opened or used. The message names the path, the reason and what to do; the daemon
/// logs it once and keeps proxying without a store.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string path, StoreFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
        Failure = failure;
    }

    public StoreUnavailableException()
    {
        Path = "";
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
        Path = "";
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = "";
    }

    public string Path { get; }

    public StoreFailure Failure { get; }

    internal static StoreUnavailableException From(string path, Exception ex)
    {
        if (ex is StoreUnavailableException already)
        {
            return already;
        }

        // SQLite primary result codes: https://www.sqlite.org/rescode.html
        var code = ex is Microsoft.Data.Sqlite.SqliteException sqlite ? sqlite.SqliteErrorCode & 0xFF : -1;
        return code switch
        {
            11 or 26 => new StoreUnavailableException(path, StoreFailure.Corrupt,
                $"Event store '{path}' is not a valid SQLite database or is corrupt ({ex.Message}). " +
                $"Move it aside (mv '{path}' '{path}.corrupt') and restart TokenOps to start a fresh store; proxying continues without storing events.", ex),
            5 or 6 => new StoreUnavailableException(path, StoreFailure.Locked,
                $"Event store '{path}' is locked by another process ({ex.Message}). " +
                "Stop the other TokenOps daemon or tool holding it (e.g. `fuser` on the file), then restart; proxying continues without storing events.", ex),
            8 or 10 or 13 or 14 or 23 => new StoreUnavailableException(path, StoreFailure.Unwritable,
                $"Event store '{path}' cannot be opened for writing ({ex.Message}). " +
                "Check the directory exists and is writable by this user and the disk is not full, or set storage.path elsewhere; proxying continues without storing events.", ex),
            _ when ex is UnauthorizedAccessException or IOException => new StoreUnavailableException(path, StoreFailure.Unwritable,
                $"Event store '{path}' cannot be created ({ex.Message}). " +
                "Check the directory is writable by this user, or set storage.path elsewhere; proxying continues without storing events.", ex),
            _ => new StoreUnavailableException(path, StoreFailure.Other,
                $"Event store '{path}' is unavailable ({ex.Message}); proxying continues without storing events.", ex),
        };
    }
}
