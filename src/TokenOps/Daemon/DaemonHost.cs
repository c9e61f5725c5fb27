using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TokenOps.Configuration;
using TokenOps.Logging;

namespace TokenOps.Daemon;

/// <summary>
/// The composition root: one Kestrel host carrying the control endpoints and (see
/// <c>DaemonHost.Composition.cs</c>) every feature. <c>tokenops start</c> runs it in the foreground;
/// tests build it with <c>listen = 127.0.0.1:0</c> and read <see cref="Port"/> after <see cref="StartAsync"/>.
/// </summary>
/// <remarks>
/// Steps of <see cref="BuildAsync"/>:
/// 1. Slim builder with its configuration sources cleared: TokenOps' own config is the only input
///    (no appsettings.json, no ASPNETCORE_URLS surprises).
/// 2. Logging (ZLogger → stderr), host options (shutdown deadline), no console lifetime: signals
///    belong to the CLI, which calls <see cref="StopAsync"/>.
/// 3. Kestrel on the configured address: no Server header, no request-body size cap (bodies of any
///    size are forwarded), TCP_NODELAY on accepted sockets (Kestrel's default, pinned here).
/// 4. Feature composition (proxy, event pipeline, observation, pricing).
/// 5. Middleware and endpoints: request log, control endpoints, proxy routes.
/// </remarks>
internal sealed partial class DaemonHost : IAsyncDisposable
{
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;
    private int _stopped;

    private DaemonHost(WebApplication app, TokenOpsConfig config)
    {
        _app = app;
        Config = config;
    }

    public TokenOpsConfig Config { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The bound TCP port (the real one when <c>listen</c> asked for port 0). Valid after <see cref="StartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>Where a local client reaches the daemon, e.g. <c>http://127.0.0.1:7878/</c>.</summary>
    public Uri BaseAddress => new($"http://{Config.ListenAddress.ClientHost}:{Port}/");

    /// <summary>Triggered when shutdown begins (stop requested or the host is stopping on its own).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public static async Task<DaemonHost> BuildAsync(TokenOpsConfig config, DaemonHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DaemonHostOptions();
        var listen = config.ListenAddress;

        // 1.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = BuildInfo.Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // The default appsettings*.json sources watch the content root (the binary's folder) for changes: an inotify watch
        // on it and on every folder below, and a thread reading their events. Clearing the sources leaves that watcher
        // running, so their file providers are disposed too: TokenOps reads no appsettings. Measured under load with the
        // binary in a busy folder (/tmp, where the load test also keeps its TOKENOPS_HOME and SQLite writes its WAL):
        // ~4 % of the daemon's CPU samples were that thread.
        var watchingProviders = builder.Configuration.Sources.OfType<FileConfigurationSource>()
            .Select(source => source.FileProvider).OfType<IDisposable>().Distinct().ToList();
        builder.Configuration.Sources.Clear();
        foreach (var provider in watchingProviders)
        {
            provider.Dispose();
        }

        // 2.
        if (options.ConfigureLogging is { } configureLogging)
        {
            builder.Logging.ClearProviders();
            configureLogging(builder.Logging);
        }
        else
        {
            TokenOpsLogging.Configure(builder.Logging, config.Log);
        }

        var services = builder.Services;
        services.AddSingleton(config);
        services.AddSingleton(options.TimeProvider);
        services.AddSingleton<IHostLifetime, CliLifetime>();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        services.AddSingleton<DaemonStatus>();
        services.AddSingleton<IDaemonCounterSource, RuntimeCounterSource>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, DaemonJsonContext.Default));

        // 3.
        // inline_io: Kestrel runs request processing on the thread that completed the socket read (with the inline socket
        // completions `tokenops start` switches on, the event loop) instead of queueing it to the thread pool.
        var inlineIo = config.InlineIo;
        services.Configure<SocketTransportOptions>(sockets =>
        {
            sockets.NoDelay = true;
            sockets.UnsafePreferInlineScheduling = inlineIo;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(listen.Address, listen.Port);
        });

        // 4.
        await ComposeEventPipelineAsync(services, config, cancellationToken).ConfigureAwait(false);
        ComposeObservation(services, config);
        ComposeCostStamper(services, config);
        ComposeCoaching(services, config);
        ComposeCache(services, config);
        ComposeOptimizer(services, config);
        ComposeProxy(services, config);
        ComposeDashboard(services, config);
        options.ConfigureServices?.Invoke(services);

        // 5.
        var app = builder.Build();
        app.UseMiddleware<RequestLog>();
        if (config.InlineIo)
        {
            app.UseMiddleware<EventLoopGuard>();
        }

        app.MapControlEndpoints();
        MapDashboard(app);
        MapProxy(app);
        return new DaemonHost(app, config);
    }

    /// <summary>Binds and starts serving; afterwards <see cref="Port"/> is the bound port.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        foreach (var address in addresses)
        {
            Port = BindingAddress.Parse(address).Port;
            break;
        }

        var status = _app.Services.GetRequiredService<DaemonStatus>();
        status.Listen = (Config.ListenAddress with { Port = Port }).ToString();
    }

    /// <summary>Graceful stop: stop accepting, let in-flight requests finish until the shutdown deadline, flush sinks.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The host does not own SIGINT/SIGTERM: <c>tokenops start</c> receives them (ConsoleAppFramework)
    /// and calls <see cref="StopAsync"/>, and tests may host several daemons in one process.
    /// </summary>
    private sealed class CliLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
