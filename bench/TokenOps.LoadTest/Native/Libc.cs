using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TokenOps.LoadTest.Native;

/// <summary>
/// The few libc calls the harness needs on Linux: a microsecond sleep for the open-loop schedule
/// (Thread.Sleep has millisecond granularity), per-thread timer slack (default 50 µs would make every
/// sleep overshoot), and SIGTERM for graceful shutdown of the targets.
/// </summary>
internal static partial class Libc
{
    private const string LibraryName = "libc.so.6";
    private const int PrSetTimerSlack = 29;
    private const int SigTerm = 15;

    /// <summary>Spin (instead of sleeping) for the last few microseconds before a send time.</summary>
    private const long SpinNanos = 15_000;

    [LibraryImport(LibraryName, EntryPoint = "usleep")]
    private static partial int USleep(uint microseconds);

    [LibraryImport(LibraryName, EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(LibraryName, EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    /// <summary>Makes sleeps of the calling thread wake up within ~1 µs of the requested time (see prctl(2)).</summary>
    public static void UseFineTimerSlack()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = Prctl(PrSetTimerSlack, 1, 0, 0, 0);
        }
    }

    public static void Terminate(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = Kill(pid, SigTerm);
        }
    }

    /// <summary>Sleeps until the Stopwatch timestamp <paramref name="targetTicks"/>: usleep for the bulk,
    /// a short spin for the tail, so the generator costs little CPU but sends on time.</summary>
    public static void SleepUntil(long targetTicks)
    {
        while (true)
        {
            var remainingNanos = Metrics.LatencyHistogram.TicksToNanos(targetTicks - Stopwatch.GetTimestamp());
            if (remainingNanos <= 0)
            {
                return;
            }

            if (remainingNanos > SpinNanos && OperatingSystem.IsLinux())
            {
                _ = USleep((uint)Math.Min((remainingNanos - SpinNanos) / 1000, 200_000));
            }
            else if (remainingNanos > SpinNanos)
            {
                Thread.Sleep(TimeSpan.FromTicks(Math.Max(1, (remainingNanos - SpinNanos) / 100)));
            }
            else
            {
                Thread.SpinWait(20);
            }
        }
    }

    /// <summary>A short wait used when polling for a free connection.</summary>
    public static void ShortSleep(uint microseconds)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = USleep(microseconds);
        }
        else
        {
            Thread.Sleep(1);
        }
    }
}
