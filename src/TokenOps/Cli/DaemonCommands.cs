using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using ConsoleAppFramework;
using TokenOps.Configuration;
using TokenOps.Daemon;

namespace TokenOps.Cli;

internal sealed class DaemonCommands
{
    /// <summary>Run the TokenOps daemon in the foreground; Ctrl+C or SIGTERM stops it gracefully.</summary>
    /// <param name="listen">Address to listen on, e.g. 127.0.0.1:7878 (config key listen).</param>
    /// <param name="config">Config file (default: $TOKENOPS_HOME/config.json, TOKENOPS_HOME defaults to ~/.tokenops).</param>
    /// <param name="store">Store events in SQLite (config key storage.enabled).</param>
    /// <param name="cache">Enable the response cache (config key cache.enabled).</param>
    /// <param name="allowRemote">Allow a listen address that other machines can reach.</param>
    /// <param name="logLevel">trace, debug, information, warning, error, critical or none (config key log.level).</param>
    [Command("start")]
    public async Task<int> Start(
        string? listen = null,
        string? config = null,
        bool store = false,
        bool cache = false,
        bool allowRemote = false,
        string? logLevel = null,
        CancellationToken cancellationToken = default)
    {
        var flags = new List<ConfigFlag>();
        CliConfig.AddIfSet(flags, "listen", listen, "--listen");
        CliConfig.AddIfSet(flags, "storage.enabled", store ? "true" : null, "--store");
        CliConfig.AddIfSet(flags, "cache.enabled", cache ? "true" : null, "--cache");
        CliConfig.AddIfSet(flags, "log.level", logLevel, "--log-level");
        var merged = CliConfig.TryLoad(config, flags, allowRemote, out var exitCode);
        if (merged is null)
        {
            return exitCode;
        }

        if (merged.InlineIo)
        {
            EventLoopGuard.EnableInlineSocketCompletions();
        }

        MallocArenas.TryLimit();

        await using var host = await DaemonHost.BuildAsync(merged, cancellationToken: CancellationToken.None);
        try
        {
            await host.StartAsync(CancellationToken.None);
        }
        catch (IOException ex)
        {
            // Kestrel reports "address already in use" and friends as IOException.
            await Console.Error.WriteLineAsync($"tokenops: cannot listen on {merged.Listen}: {ex.Message}");
            return CliExitCodes.Failure;
        }

        PrintBanner(host);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, host.Stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGINT/SIGTERM (ConsoleAppFramework cancels the token) or the host stopped itself.
        }

        await Console.Error.WriteLineAsync("tokenops: stopping (in-flight requests get up to " + DurationParser.Format(DaemonHost.DefaultShutdownTimeout) + ")");
        try
        {
            await host.StopAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AggregateException)
        {
            // The deadline is the design: connections still open after it are aborted. The stop itself succeeded.
            await Console.Error.WriteLineAsync($"tokenops: shutdown deadline reached, remaining connections were aborted ({ex.GetType().Name}: {ex.Message})");
        }

        return CliExitCodes.Ok;
    }

    /// <summary>Ask the running daemon (at the configured listen address) whether it is up, and show its counters.</summary>
    /// <param name="listen">Address of the daemon, e.g. 127.0.0.1:7878 (default: config key listen).</param>
    /// <param name="config">Config file (default: $TOKENOPS_HOME/config.json).</param>
    /// <param name="json">Print the daemon's /readyz JSON as is.</param>
    [Command("status")]
    public async Task<int> Status(string? listen = null, string? config = null, bool json = false, CancellationToken cancellationToken = default)
    {
        var flags = new List<ConfigFlag>();
        CliConfig.AddIfSet(flags, "listen", listen, "--listen");
        var merged = CliConfig.TryLoad(config, flags, allowRemote: true, out var exitCode);
        if (merged is null)
        {
            return exitCode;
        }

        var address = merged.ListenAddress;
        var url = new Uri($"http://{address.ClientHost}:{address.Port.ToString(CultureInfo.InvariantCulture)}/readyz");
        string body;
        int statusCode;
        try
        {
            // No system proxy: HTTP(S)_PROXY must never route a loopback call elsewhere.
            using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            using var response = await client.GetAsync(url, cancellationToken);
            statusCode = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or SocketException)
        {
            await Console.Error.WriteLineAsync($"tokenops is not running at {address} (nothing answered {url}). Start it with: tokenops start");
            return CliExitCodes.Failure;
        }

        ReadyResponse? ready = null;
        try
        {
            ready = JsonSerializer.Deserialize(body, DaemonJsonContext.Default.ReadyResponse);
        }
        catch (JsonException)
        {
        }

        if (ready is null)
        {
            await Console.Error.WriteLineAsync($"tokenops: something at {address} answered {url} with HTTP {statusCode}, but it is not a TokenOps daemon");
            return CliExitCodes.Failure;
        }

        if (json)
        {
            Console.Out.WriteLine(body);
        }
        else
        {
            PrintStatus(ready);
            PrintStore(merged.Storage.Path);
        }

        return ready.Status == "ready" ? CliExitCodes.Ok : CliExitCodes.Failure;
    }

    private static void PrintBanner(DaemonHost host)
    {
        var config = host.Config;
        var baseUrl = host.BaseAddress.ToString().TrimEnd('/');
        Console.Out.WriteLine($"tokenops {BuildInfo.Version} listening on {baseUrl}");
        Console.Out.WriteLine($"  OPENAI_BASE_URL={baseUrl}/openai/v1");
        Console.Out.WriteLine($"  ANTHROPIC_BASE_URL={baseUrl}/anthropic");
        Console.Out.WriteLine($"  Gemini: httpOptions.baseUrl = {baseUrl}/gemini");
        if (!config.Storage.Enabled)
        {
            // Printed once per start: the store is opt-in (privacy first), so say how to opt in.
            Console.Out.WriteLine(
                "Event store is off: requests are forwarded but not kept. Turn it on with `tokenops start --store`, " +
                $"TOKENOPS_STORAGE_ENABLED=1, or {{\"storage\": {{\"enabled\": true}}}} in {Path.Join(config.Home, ConfigLoader.FileName)}.");
        }
        else
        {
            Console.Out.WriteLine("Event store: " + config.Storage.Path);
        }

        Console.Out.Flush();
    }

    private static void PrintStatus(ReadyResponse ready)
    {
        var uptime = TimeSpan.FromMilliseconds(ready.UptimeMs);
        Console.Out.WriteLine($"tokenops {ready.Version} is {ready.Status} at {ready.Listen} (up {DurationParser.Format(TimeSpan.FromSeconds(Math.Floor(uptime.TotalSeconds)))})");
        Console.Out.WriteLine(ready.Storage.Enabled ? "store: on, " + ready.Storage.Path : "store: off (tokenops start --store to keep events)");
        foreach (var counter in ready.Counters)
        {
            Console.Out.WriteLine($"  {counter.Key,-32} {counter.Value.ToString("N0", CultureInfo.InvariantCulture),14}");
        }

        foreach (var detail in ready.Details ?? [])
        {
            Console.Out.WriteLine($"  {detail.Key,-32} {detail.Value}");
        }
    }

    /// <summary>The store as the CLI sees it (read-only, beside the running daemon thanks to WAL): size and event counts.</summary>
    private static void PrintStore(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        try
        {
            using var queries = Storage.Queries.EventQueries.OpenReadOnly(path);
            var stats = queries.Stats();
            var inv = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Create(inv, $"store file: {stats.Path} ({stats.FileSizeBytes / 1024.0:#,0.0} KiB incl. WAL), schema {stats.SchemaVersion}, {stats.TotalEvents:#,0} events"));
            foreach (var count in stats.CountsByType)
            {
                Console.Out.WriteLine(string.Create(inv, $"  events.{count.Key,-25} {count.Value,14:N0}"));
            }

            if (stats.FirstTimestamp is { } first && stats.LastTimestamp is { } last)
            {
                Console.Out.WriteLine(string.Create(inv, $"  range                            {first.ToLocalTime():yyyy-MM-dd HH:mm} → {last.ToLocalTime():yyyy-MM-dd HH:mm}"));
            }
        }
        catch (Storage.StoreUnavailableException ex)
        {
            Console.Out.WriteLine("store file: " + ex.Message);
        }
    }
}
