using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TokenOps.Otlp.Tests.Support;

internal sealed record ReceivedRequest(string Path, string ContentType, Dictionary<string, string> Headers, byte[] Body, int RespondedStatus)
{
    public string Signal => Path.EndsWith("/traces", StringComparison.Ordinal) ? "traces" : Path.EndsWith("/metrics", StringComparison.Ordinal) ? "metrics" : "logs";

    public DecodedRequest Decode() => DecodedRequest.Decode(Signal, ContentType, Body);
}

/// <summary>
/// An OTLP/HTTP receiver on real Kestrel at 127.0.0.1:0. Records every request; <see cref="Respond"/> decides
/// the status (and Retry-After) per request, so tests can script 429/503/400 sequences.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _countByPath = new(StringComparer.Ordinal);

    private OtlpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>
    /// (request index from 0 on that path, path) → (status, Retry-After header value or null). Counted per path: the exporter's
    /// metrics loop may post /v1/metrics before /v1/traces, so a global index would make "the first traces request" racy.
    /// </summary>
    public Func<int, string, (int Status, string? RetryAfter)> Respond { get; set; } = (_, _) => (200, null);

    public string BaseUrl { get; private set; } = "";

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(1));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = app.Urls.First();
        return receiver;
    }

    public List<ReceivedRequest> Where(string signal, bool successfulOnly = true) =>
        Requests.Where(r => r.Signal == signal && (!successfulOnly || r.RespondedStatus is >= 200 and < 300)).ToList();

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var path = context.Request.Path.Value ?? "";
        var index = _countByPath.AddOrUpdate(path, 0, static (_, n) => n + 1);
        var (status, retryAfter) = Respond(index, path);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        Requests.Enqueue(new ReceivedRequest(context.Request.Path.Value ?? "", context.Request.ContentType ?? "", headers, body.ToArray(), status));
        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        if (status == 200)
        {
            // An empty ExportTraceServiceResponse is valid for both encodings.
            context.Response.ContentType = context.Request.ContentType;
            if (context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
            {
                await context.Response.WriteAsync("{}");
            }
        }
    }

    /// <summary>A loopback port with nothing listening (bound then released), for "collector down".</summary>
    public static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return "http://127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal static class Eventually
{
    /// <summary>Poll a condition driven by the exporter's background loop (real time, generous bound).</summary>
    public static async Task TrueAsync(Func<bool> condition, string because, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail("timed out waiting: " + because);
            }

            await Task.Delay(10);
        }
    }
}
