using System.Runtime.InteropServices;

namespace TokenOps.Daemon;

/// <summary>
/// Caps glibc's malloc arenas for the daemon. glibc gives a thread that finds the arena busy an arena of its own, up to
/// 8 per core, and each keeps the free memory it once held: SQLite's writer, the metering thread (cache entries, Brotli)
/// and the socket threads each ended up with one. The daemon's native allocations are few and mostly on one thread at a
/// time, so one arena serves them. Measured at 1k RPS + c=32 with everything on (bench/README.md, 2026-12-04 night,
/// same binary, 3 alternating rounds): RSS after the run 75.3 -> 72.8 MB, peak 80.3 -> 77.6 MB, CPU and c=32
/// throughput within noise. <c>MALLOC_ARENA_MAX</c> in the environment is the user's to set and wins.
/// </summary>
internal static partial class MallocArenas
{
    private const int ArenaMaxParameter = -8; // M_ARENA_MAX (malloc.h)

    /// <summary>The cap in force (set by this process), or 0 when glibc's default applies.</summary>
    public static int Limit { get; private set; }

    /// <summary>
    /// Sets the cap once, before the daemon starts its threads (threads keep the arena they already have). False where
    /// there is nothing to do: not glibc, or <c>MALLOC_ARENA_MAX</c> already set.
    /// </summary>
    public static bool TryLimit(int arenas = 1)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return false;
        }

        try
        {
            if (Mallopt(ArenaMaxParameter, arenas) != 1)
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // musl and other C libraries: no mallopt, and no per-thread arenas to cap
        }

        Limit = arenas;
        return true;
    }

    [DllImport("libc.so.6", EntryPoint = "mallopt", ExactSpelling = true)]
    private static extern int Mallopt(int parameter, int value);
}
