using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenOps.Dashboard.Api;

namespace TokenOps.Dashboard.Live;

/// <summary>
/// <c>GET /api/dashboard/live</c>: server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html), one
/// <c>event: prompt</c> per proxied request, pushed by <see cref="LiveFeedSink"/> — the browser holds one connection, no polling.
/// Ends when the client leaves or the daemon stops (so an open dashboard never holds up a graceful shutdown).
/// </summary>
internal static class LiveFeedEndpoint
{
    private static readonly byte[] EventPrefix = "event: prompt\ndata: "u8.ToArray();
    private static readonly byte[] EventSuffix = "\n\n"u8.ToArray();
    private static readonly byte[] Heartbeat = ": keep-alive\n\n"u8.ToArray();
    private static readonly byte[] Hello = "retry: 2000\n: connected\n\n"u8.ToArray();

    public static async Task Handle(HttpContext context)
    {
        var services = context.RequestServices;
        var sink = services.GetRequiredService<LiveFeedSink>();
        var options = services.GetRequiredService<DashboardOptions>();
        using var subscription = sink.Subscribe();
        if (subscription is null)
        {
            await DashboardApi.Write(context, StatusCodes.Status503ServiceUnavailable, "too_many_subscribers",
                $"at most {options.MaxLiveSubscribers} live feeds at once; close another dashboard tab").ConfigureAwait(false);
            return;
        }

        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            await response.Body.WriteAsync(Hello, done.Token).ConfigureAwait(false);
            await response.Body.FlushAsync(done.Token).ConfigureAwait(false);
            var reader = subscription.Reader;
            while (!done.IsCancellationRequested)
            {
                bool ready;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(done.Token))
                {
                    wait.CancelAfter(options.LiveHeartbeat);
                    try
                    {
                        ready = await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                        if (!ready)
                        {
                            return; // the sink completed (daemon flushing at shutdown)
                        }
                    }
                    catch (OperationCanceledException) when (!done.IsCancellationRequested)
                    {
                        await response.Body.WriteAsync(Heartbeat, done.Token).ConfigureAwait(false);
                        await response.Body.FlushAsync(done.Token).ConfigureAwait(false);
                        continue;
                    }
                }

                while (reader.TryRead(out var payload))
                {
                    await response.Body.WriteAsync(EventPrefix, done.Token).ConfigureAwait(false);
                    await response.Body.WriteAsync(payload, done.Token).ConfigureAwait(false);
                    await response.Body.WriteAsync(EventSuffix, done.Token).ConfigureAwait(false);
                }

                await response.Body.FlushAsync(done.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
            // Client gone or daemon stopping.
        }
    }
}
