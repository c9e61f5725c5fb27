using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TokenOps.Core.Caching;
using TokenOps.Core.Events;
using TokenOps.Proxy.Forwarding;

namespace TokenOps.Proxy.Cache;

public static class CacheServiceCollectionExtensions
{
    /// <summary>
    /// Puts the response cache on the request path (when <see cref="CacheOptions.Enabled"/>): the
    /// <see cref="ResponseCache"/>, its interceptor (register it BEFORE other interceptors so a hit skips them) and
    /// the completion hook that totals what hits saved.
    /// </summary>
    public static IServiceCollection AddTokenOpsCache(this IServiceCollection services, CacheOptions options, ICachePersistence? persistence = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return services;
        }

        services.AddSingleton(provider => new ResponseCache(options, provider.GetService<TimeProvider>(), persistence));
        services.AddSingleton<IPreForwardInterceptor>(provider => new CacheInterceptor(provider.GetRequiredService<ResponseCache>(), provider.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IExchangeCompletionHook>(provider => new CacheSavingsHook(provider.GetRequiredService<ResponseCache>()));
        return services;
    }

    /// <summary><c>GET /api/cache/stats</c> and <c>POST /api/cache/clear</c> for the CLI, MCP and dashboard.</summary>
    public static IEndpointRouteBuilder MapTokenOpsCacheApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var cache = endpoints.ServiceProvider.GetService<ResponseCache>();
        RequestDelegate stats = context => context.Response.WriteAsJsonAsync(cache?.GetStats() ?? new CacheStats(), CacheJsonContext.Default.CacheStats);
        RequestDelegate clear = context => context.Response.WriteAsJsonAsync(new CacheClearResult { Cleared = cache?.Clear() ?? 0, Enabled = cache is not null }, CacheJsonContext.Default.CacheClearResult);
        endpoints.MapGet("/api/cache/stats", stats);
        endpoints.MapPost("/api/cache/clear", clear);
        return endpoints;
    }
}

/// <summary>Answer of <c>POST /api/cache/clear</c>.</summary>
public sealed record CacheClearResult
{
    public bool Enabled { get; init; }
    public int Cleared { get; init; }
}

/// <summary>Totals what cache hits saved, from each hit event after it was priced (off the request path).</summary>
internal sealed class CacheSavingsHook(ResponseCache cache) : IExchangeCompletionHook
{
    public void OnExchangeCompleted(PromptEvent promptEvent)
    {
        if (promptEvent.CacheHit)
        {
            cache.RecordSaved(promptEvent.InputTokens, promptEvent.OutputTokens, promptEvent.SavedUsd);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CacheStats))]
[JsonSerializable(typeof(CacheClearResult))]
public sealed partial class CacheJsonContext : JsonSerializerContext;
