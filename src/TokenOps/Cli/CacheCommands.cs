using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ConsoleAppFramework;
using TokenOps.Configuration;
using TokenOps.Proxy.Cache;
using TokenOps.Storage.Cache;

namespace TokenOps.Cli;

/// <summary>
/// <c>tokenops cache stats|clear</c>: asks the running daemon (its cache lives in its memory); with no daemon running,
/// answers from the persisted cache file when <c>cache.persist</c> is on.
/// </summary>
internal sealed class CacheCommands(TokenOpsConfig config)
{
    internal TextWriter Out { get; set; } = Console.Out;

    internal TextWriter Error { get; set; } = Console.Error;

    /// <summary>Entries, bytes, hit ratio, tokens and dollars saved by the response cache.</summary>
    /// <param name="json">Print the stats as JSON.</param>
    [Command("cache stats")]
    public async Task<int> Stats(bool json = false, CancellationToken cancellationToken = default)
    {
        var stats = await CallDaemonAsync(HttpMethod.Get, "/api/cache/stats", CacheJsonContext.Default.CacheStats, cancellationToken);
        if (stats is null)
        {
            stats = FromPersistedFile();
            if (stats is null)
            {
                Error.WriteLine($"tokenops cache stats: no daemon is running at {config.ListenAddress} and no persisted cache exists (cache.persist). Start one with: tokenops start --cache");
                return CliExitCodes.Failure;
            }
        }

        if (json)
        {
            Out.WriteLine(JsonSerializer.Serialize(stats, CacheJsonContext.Default.CacheStats));
            return CliExitCodes.Ok;
        }

        var inv = CultureInfo.InvariantCulture;
        Out.WriteLine(stats.Enabled ? "cache: on" + (stats.Persist ? " (persisted)" : " (memory only)") : "cache: off (enable with `tokenops start --cache` or cache.enabled=true)");
        Out.WriteLine(string.Create(inv, $"  entries        {stats.Entries,14:#,0}"));
        Out.WriteLine(string.Create(inv, $"  bytes          {stats.Bytes,14:#,0}  of {stats.MaxBytes:#,0}"));
        Out.WriteLine(string.Create(inv, $"  hits / misses  {stats.Hits,14:#,0} / {stats.Misses:#,0}  (hit ratio {stats.HitRatio:P1})"));
        Out.WriteLine(string.Create(inv, $"  bypass/refresh {stats.Bypasses,14:#,0} / {stats.Refreshes:#,0}"));
        Out.WriteLine(string.Create(inv, $"  evicted/expired{stats.Evictions,14:#,0} / {stats.Expirations:#,0}"));
        Out.WriteLine(string.Create(inv, $"  tokens saved   {stats.SavedInputTokens + stats.SavedOutputTokens,14:#,0}  ({stats.SavedInputTokens:#,0} in, {stats.SavedOutputTokens:#,0} out)"));
        Out.WriteLine("  dollars saved  " + SpendRendering.Usd(stats.SavedUsd).PadLeft(14));
        return CliExitCodes.Ok;
    }

    /// <summary>Empty the cache: the running daemon's memory and the persisted file.</summary>
    /// <param name="json">Print the result as JSON.</param>
    [Command("cache clear")]
    public async Task<int> Clear(bool json = false, CancellationToken cancellationToken = default)
    {
        var result = await CallDaemonAsync(HttpMethod.Post, "/api/cache/clear", CacheJsonContext.Default.CacheClearResult, cancellationToken);
        var cleared = result?.Cleared ?? 0;
        var persisted = Path.Combine(config.Home, "cache.db");
        if (result is null && File.Exists(persisted))
        {
            using var store = new SqliteCachePersistence(persisted);
            cleared = (int)store.Count(0).Entries;
            store.Clear();
            result = new CacheClearResult { Enabled = true, Cleared = cleared };
        }

        if (result is null)
        {
            Error.WriteLine($"tokenops cache clear: no daemon is running at {config.ListenAddress} and no persisted cache exists; nothing to clear");
            return CliExitCodes.Failure;
        }

        Out.WriteLine(json ? JsonSerializer.Serialize(result, CacheJsonContext.Default.CacheClearResult) : $"cleared {cleared} cache entries");
        return CliExitCodes.Ok;
    }

    private CacheStats? FromPersistedFile()
    {
        var persisted = Path.Combine(config.Home, "cache.db");
        if (!File.Exists(persisted))
        {
            return null;
        }

        using var store = new SqliteCachePersistence(persisted);
        var (entries, bytes) = store.Count(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return new CacheStats { Enabled = config.Cache.Enabled, Persist = true, Entries = (int)entries, Bytes = bytes, MaxBytes = config.Cache.MaxBytes, TtlSeconds = config.Cache.Ttl.TotalSeconds };
    }

    private async Task<T?> CallDaemonAsync<T>(HttpMethod method, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        var address = config.ListenAddress;
        var url = new Uri($"http://{address.ClientHost}:{address.Port.ToString(CultureInfo.InvariantCulture)}{path}");
        try
        {
            using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            using var request = new HttpRequestMessage(method, url);
            using var response = await client.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or SocketException or JsonException)
        {
            return null;
        }
    }
}
