using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TokenOps.Testing.Fakes;

/// <summary>
/// A fake provider on real Kestrel at 127.0.0.1:&lt;ephemeral&gt;. By default it answers like the real API for the
/// path it is called on (<see cref="ProviderFixtures.Auto"/>); set <see cref="Handler"/> to script a response.
/// Every request is recorded (method, raw path, query, headers, body hash/size) and tells whether it was aborted.
/// </summary>
/// <example>
/// <code>
/// await using var upstream = await FakeUpstream.StartAsync();
/// upstream.Handler = _ => OpenAIFixtures.ChatCompletionStream() with { ChunkSize = 1 };
/// // point the proxy at upstream.BaseUri ...
/// var received = upstream.Requests[0];
/// </code>
/// </example>
public sealed class FakeUpstream : IAsyncDisposable
{
    public const int MaxRecordedBodyBytes = 1 << 20;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeUpstream(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    /// <summary>http://127.0.0.1:port (no trailing slash).</summary>
    public Uri BaseUri { get; }

    /// <summary>Chooses the response per request. Default: the provider-shaped auto responder.</summary>
    public Func<RecordedRequest, FakeResponse> Handler { get; set; } = ProviderFixtures.Auto;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Completes when the first request has been received (headers and body read).</summary>
    public Task FirstRequest => _firstRequest.Task;

    public static async Task<FakeUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        FakeUpstream? self = null;
        app.Run(context => self!.HandleAsync(context));
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        self = new FakeUpstream(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
        return self;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var raw = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var q = raw.IndexOf('?', StringComparison.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in context.Request.Headers)
        {
            headers[h.Key] = h.Value.ToString();
        }

        var recorded = new RecordedRequest
        {
            Method = context.Request.Method,
            Path = q < 0 ? raw : raw[..q],
            Query = q < 0 ? "" : raw[q..],
            Headers = headers,
        };
        _requests.Enqueue(recorded);
        var aborted = context.RequestAborted;
        try
        {
            await ReadBodyAsync(context, recorded, aborted).ConfigureAwait(false);
            _firstRequest.TrySetResult();
            var response = Handler(recorded);
            await WriteResponseAsync(context, response, aborted).ConfigureAwait(false);
            await context.Response.CompleteAsync().ConfigureAwait(false);
            recorded.End(aborted.IsCancellationRequested);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            recorded.End(true);
        }
        catch (Exception)
        {
            recorded.End(aborted.IsCancellationRequested);
            throw;
        }
    }

    private static async Task ReadBodyAsync(HttpContext context, RecordedRequest recorded, CancellationToken aborted)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var kept = new MemoryStream();
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, aborted).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            if (total + read <= MaxRecordedBodyBytes)
            {
                kept.Write(buffer, 0, read);
            }

            total += read;
        }

        recorded.BodyLength = total;
        recorded.BodySha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        recorded.Body = total <= MaxRecordedBodyBytes ? kept.ToArray() : null;
    }

    private static async Task WriteResponseAsync(HttpContext context, FakeResponse response, CancellationToken aborted)
    {
        if (response.StallBeforeHeaders)
        {
            await Task.Delay(Timeout.Infinite, aborted).ConfigureAwait(false);
        }

        var http = context.Response;
        http.StatusCode = response.StatusCode;
        http.ContentType = response.ContentType;
        foreach (var (name, value) in response.Headers)
        {
            http.Headers[name] = value;
        }

        // Parts as they go on the wire: gzip turns the body into one compressed part.
        IReadOnlyList<byte[]> parts = response.Gzip ? [response.WireBody()] : response.Parts;
        if (response.Gzip)
        {
            http.Headers.ContentEncoding = "gzip";
        }

        if (response.SendContentLength && response.StallAfterParts is null)
        {
            long length = 0;
            foreach (var p in parts)
            {
                length += p.Length;
            }

            http.ContentLength = length;
        }

        await http.StartAsync(aborted).ConfigureAwait(false);
        for (var i = 0; i < parts.Count; i++)
        {
            if (response.StallAfterParts is { } stallAt && i >= stallAt)
            {
                break;
            }

            if (i > 0 && response.DelayBetweenParts > TimeSpan.Zero)
            {
                await Task.Delay(response.DelayBetweenParts, aborted).ConfigureAwait(false);
            }

            var part = parts[i];
            var chunk = response.ChunkSize ?? part.Length;
            for (var offset = 0; offset < part.Length; offset += chunk)
            {
                await http.Body.WriteAsync(part.AsMemory(offset, Math.Min(chunk, part.Length - offset)), aborted).ConfigureAwait(false);
                await http.Body.FlushAsync(aborted).ConfigureAwait(false);
            }
        }

        if (response.StallAfterParts is not null)
        {
            await Task.Delay(Timeout.Infinite, aborted).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(deadline.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
