using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace TokenOps.Proxy.Forwarding;

internal sealed partial class Forwarder
{
    private static HttpRequestMessage CreateRequest(
        HttpContext context,
        string upstreamBase,
        string restAndQuery,
        ActivityTimeout activity,
        ForwardingExchange? exchange,
        ReadOnlyMemory<byte>? bodyOverride,
        out StreamingRequestContent? streamingBody)
    {
        var clientRequest = context.Request;
        var request = new HttpRequestMessage(HttpMethod.Parse(clientRequest.Method), new Uri(UpstreamPath.Join(upstreamBase, restAndQuery), UriKind.Absolute))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };

        streamingBody = null;
        HttpContent? content = null;
        if (bodyOverride is { } body)
        {
            content = new ReadOnlyMemoryContent(body);
            exchange?.OnRequestBody(body.Span);
        }
        else if (CanHaveBody(context))
        {
            streamingBody = new StreamingRequestContent(clientRequest.BodyReader, activity, exchange, context.RequestAborted);
            content = streamingBody;
        }

        request.Content = content;
        HeaderPolicy.CopyRequestHeaders(clientRequest.Headers, request, content);
        if (bodyOverride is { } replaced && content is not null)
        {
            content.Headers.ContentLength = replaced.Length;
        }

        return request;
    }

    private static bool CanHaveBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    /// <summary>Why SendAsync failed: client side first (its abort can surface as any upstream error), then ours.</summary>
    private static ForwarderError ClassifySendFailure(Exception exception, HttpContext context, ActivityTimeout activity, StreamingRequestContent? body)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return ForwarderError.ClientAborted;
        }

        if (body is not null && body.Error != ForwarderError.None)
        {
            return body.Error;
        }

        if (activity.IsCancellationRequested)
        {
            return ForwarderError.UpstreamTimeout;
        }

        return exception switch
        {
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError } => ForwarderError.UpstreamConnectFailed,
            // Not our token and not the client's: the handler's own ConnectTimeout.
            OperationCanceledException => ForwarderError.UpstreamConnectFailed,
            _ => ForwarderError.UpstreamRequestFailed,
        };
    }
}
