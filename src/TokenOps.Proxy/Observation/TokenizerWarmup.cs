using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using TokenOps.Tokenizers;

namespace TokenOps.Proxy.Observation;

/// <summary>
/// Loads the o200k vocabulary (~40–50 ms of CPU in the AOT binary and ~6 MB of allocations; cl100k stays lazy) once
/// the server is listening, on the thread pool. Warming it during startup instead competed with Kestrel's own start on a 2-core
/// machine and delayed the listening socket by hundreds of milliseconds; after <c>ApplicationStarted</c> the first
/// requests may still overlap the load, but they count tokens lazily through the same <see cref="Lazy{T}"/> anyway.
/// </summary>
internal sealed class TokenizerWarmup(IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStarted.Register(static () => _ = TokenizerRegistry.Warm());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Registration of <see cref="TokenizerWarmup"/> (idempotent: the observer and the optimizer both ask for it).</summary>
public static class TokenizerWarmupServiceCollectionExtensions
{
    public static IServiceCollection AddTokenizerWarmup(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TokenizerWarmup>());
        return services;
    }
}
