using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ZLogger;

namespace TokenOps.Daemon;

/// <summary>
/// One debug line per request: method, path (never the query string: Gemini puts <c>?key=</c> there),
/// status, duration. Never a header value or a body. Costs one level check when debug is off.
/// </summary>
internal sealed partial class RequestLog(RequestDelegate next, ILogger<RequestLog> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return next(context);
        }

        return InvokeLoggedAsync(context);
    }

    private async Task InvokeLoggedAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var request = context.Request;
            LogRequest(logger, request.Method, request.PathBase.Value + request.Path.Value, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, context.RequestAborted.IsCancellationRequested);
        }
    }

    [ZLoggerMessage(LogLevel.Debug, "{method} {path} {status} {elapsedMs:0.0}ms aborted={aborted}", JsonSerializerContext = typeof(Logging.LogJsonContext))]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, double elapsedMs, bool aborted);
}
