using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TokenOps.Proxy.Providers;

namespace TokenOps.Proxy.Forwarding;

internal sealed partial class Forwarder
{
    /// <summary>
    /// One failure → one counter, one log line (never a header value, query string or body), and either a
    /// provider-shaped error response or an abort (see <see cref="ForwarderErrorMapping"/>).
    /// </summary>
    private async Task FailAsync(HttpContext context, ProviderRoute? route, ForwarderError error, string path, Exception? exception)
    {
        _services.Counters.Error(error);
        var level = error is ForwarderError.ClientAborted or ForwarderError.NoRoute ? LogLevel.Debug : LogLevel.Warning;
        LogForwardFailed(_logger, level, route?.Name ?? "none", ErrorNames[(int)error], context.Request.Method, path, exception?.GetType().Name, exception?.Message);

        var response = context.Response;
        if (ForwarderErrorMapping.ShouldAbort(error, response.HasStarted))
        {
            if (error == ForwarderError.ClientAborted && !response.HasStarted)
            {
                // Record the nginx-style "client closed request" status for the event; nobody will read it.
                response.StatusCode = 499;
            }

            context.Abort();
            return;
        }

        var body = new ArrayBufferWriter<byte>(256);
        ForwarderErrorMapping.WriteBody(body, route?.Kind ?? ProviderKind.Unknown, error);
        response.Clear();
        response.StatusCode = ForwarderErrorMapping.StatusCode(error);
        response.ContentType = ProviderErrorWriter.ContentType;
        response.ContentLength = body.WrittenCount;
        try
        {
            await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
            await response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client left while we were telling it why; nothing more to do.
            context.Abort();
        }
    }

    [LoggerMessage(EventId = 1, Message = "Forwarding failed: provider={Provider} error={Error} method={Method} path={Path} exception={ExceptionType}: {ExceptionMessage}")]
    private static partial void LogForwardFailed(ILogger logger, LogLevel level, string provider, string error, string method, string path, string? exceptionType, string? exceptionMessage);
}
