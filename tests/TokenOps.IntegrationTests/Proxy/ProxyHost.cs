using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenOps.Proxy;
using TokenOps.Proxy.Forwarding;

namespace TokenOps.IntegrationTests.Proxy;

/// <summary>A minimal daemon stand-in: real Kestrel on 127.0.0.1:0 hosting MapTokenOpsProxy (plus /healthz).</summary>
internal sealed class ProxyHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProxyHost(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
        Client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
        })
        {
            BaseAddress = baseUri,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Uri BaseUri { get; }

    /// <summary>Does not decompress: tests see exactly the bytes the proxy sent.</summary>
    public HttpClient Client { get; }

    public ForwarderCounters Counters => _app.Services.GetRequiredService<ForwarderCounters>();

    public static ProxyOptions OptionsFor(Uri upstream) => new()
    {
        Upstreams = new Dictionary<string, Uri>
        {
            ["openai"] = upstream,
            ["anthropic"] = upstream,
            ["gemini"] = upstream,
        },
    };

    public static async Task<ProxyHost> StartAsync(ProxyOptions options, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddTokenOpsProxy(options);
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapGet("/healthz", (HttpContext c) => c.Response.WriteAsync("ok"));
        app.MapTokenOpsProxy();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ProxyHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(deadline.Token);
        await _app.DisposeAsync();
    }
}
