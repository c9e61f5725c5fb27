using System.Diagnostics;
using System.Globalization;
using ConsoleAppFramework;
using TokenOps.Configuration;
using TokenOps.Dashboard;

namespace TokenOps.Cli;

/// <summary><c>tokenops dashboard</c>: prints the dashboard URL with its access token; opens a browser only with <c>--open</c>.</summary>
internal sealed class DashboardCommands
{
    internal TextWriter Out { get; set; } = Console.Out;

    internal TextWriter Error { get; set; } = Console.Error;

    /// <summary>Print the local dashboard's URL (with the access token from dashboard.token). Opens nothing unless --open.</summary>
    /// <param name="open">Open the URL in the default browser (xdg-open).</param>
    /// <param name="listen">Address of the daemon, e.g. 127.0.0.1:7878 (default: config key listen).</param>
    /// <param name="config">Config file (default: $TOKENOPS_HOME/config.json).</param>
    [Command("dashboard")]
    public async Task<int> Dashboard(bool open = false, string? listen = null, string? config = null, CancellationToken cancellationToken = default)
    {
        var flags = new List<ConfigFlag>();
        CliConfig.AddIfSet(flags, "listen", listen, "--listen");
        var merged = CliConfig.TryLoad(config, flags, allowRemote: true, out var exitCode);
        if (merged is null)
        {
            return exitCode;
        }

        var address = merged.ListenAddress;
        var origin = $"http://{address.ClientHost}:{address.Port.ToString(CultureInfo.InvariantCulture)}";
        var url = $"{origin}/dashboard?token={DashboardToken.LoadOrCreate(merged.Home)}";
        await Out.WriteLineAsync(url);

        if (!await IsUpAsync(origin, cancellationToken).ConfigureAwait(false))
        {
            await Error.WriteLineAsync("tokenops: the daemon is not answering at " + origin + "; start it with `tokenops start --store` (the dashboard is served by the daemon)");
        }

        if (open && !TryOpen(url))
        {
            await Error.WriteLineAsync("tokenops: could not run xdg-open; open the URL above yourself");
            return CliExitCodes.Failure;
        }

        return CliExitCodes.Ok;
    }

    private static async Task<bool> IsUpAsync(string origin, CancellationToken cancellationToken)
    {
        try
        {
            using var handler = new SocketsHttpHandler { UseProxy = false };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
            using var response = await client.GetAsync(new Uri(origin + "/healthz"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static bool TryOpen(string url)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "xdg-open");
            if (File.Exists(candidate))
            {
                var start = new ProcessStartInfo(candidate) { UseShellExecute = false };
                start.ArgumentList.Add(url);
                using var process = Process.Start(start);
                return process is not null;
            }
        }

        return false;
    }
}
