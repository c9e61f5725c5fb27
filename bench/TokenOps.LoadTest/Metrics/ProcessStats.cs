using System.Globalization;

namespace TokenOps.LoadTest.Metrics;

/// <summary>CPU time and memory of a process tree read from /proc (Linux only; zeros elsewhere).</summary>
internal static class ProcessStats
{
    // USER_HZ is 100 on every Linux ABI .NET supports (sysconf(_SC_CLK_TCK)); 1 tick = 10 ms.
    private const double MicrosPerClockTick = 10_000;

    /// <summary>utime + stime in microseconds (10 ms resolution — divide by thousands of requests).</summary>
    public static double CpuMicros(IReadOnlyList<int> pids)
    {
        double total = 0;
        foreach (var pid in pids)
        {
            total += CpuMicros(pid);
        }

        return total;
    }

    public static double CpuMicros(int pid)
    {
        try
        {
            var stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
            // Field 2 (comm) may contain spaces: parse after the closing parenthesis. Fields 14/15 = utime/stime.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) * MicrosPerClockTick;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>(VmRSS, VmHWM) in KiB summed over the pids.</summary>
    public static (long RssKb, long PeakRssKb) Memory(IReadOnlyList<int> pids)
    {
        long rss = 0, peak = 0;
        foreach (var pid in pids)
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        rss += ParseKb(line);
                    }
                    else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        peak += ParseKb(line);
                    }
                }
            }
            catch (IOException)
            {
            }
        }

        return (rss, peak);
    }

    /// <summary>Direct children of <paramref name="pid"/> (e.g. nginx workers under the master).</summary>
    public static List<int> Children(int pid)
    {
        var result = new List<int>();
        try
        {
            var path = "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/task/" + pid.ToString(CultureInfo.InvariantCulture) + "/children";
            foreach (var part in File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                result.Add(int.Parse(part, CultureInfo.InvariantCulture));
            }
        }
        catch (IOException)
        {
        }

        return result;
    }

    private static long ParseKb(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb : 0;
    }
}
