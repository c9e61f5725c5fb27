using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TokenOps.Core.Budgets;
using TokenOps.Proxy.Forwarding;
using TokenOps.Proxy.Providers;

namespace TokenOps.Proxy.Budgets;

/// <summary>
/// Budget enforcement (budgets with <c>enforce: true</c>; off by default): when a matching budget is exhausted the
/// proxy answers 429 in the calling provider's error shape with a clear message, logs it, and sends nothing upstream.
/// The gate answers from a periodically refreshed snapshot, so this costs a dictionary lookup, never a query.
/// The model comes from the Gemini path, or from the request body's <c>model</c> field (read once, bounded, and
/// handed on to the forwarder so the body is not lost).
/// </summary>
internal sealed partial class BudgetInterceptor(IBudgetGate gate, ILogger<BudgetInterceptor> logger) : IPreForwardInterceptor
{
    private const int MaxBodyBytes = 8 * 1024 * 1024;

    public async ValueTask<bool> InterceptAsync(PreForwardContext context)
    {
        var http = context.HttpContext;
        var model = await FindModelAsync(context).ConfigureAwait(false);
        var headers = http.Request.Headers;
        var workflow = headers["X-TokenOps-Workflow-Id"].ToString();
        var agent = headers["X-TokenOps-Agent-Id"].ToString();
        if (!gate.TryGetExceeded(context.ProviderName, model, workflow.Length == 0 ? null : workflow, agent.Length == 0 ? null : agent, out var message))
        {
            return false;
        }

        message ??= "A TokenOps budget is exhausted.";
        LogBlocked(logger, context.ProviderName, model ?? "(unknown)", message);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.ContentType = ProviderErrorWriter.ContentType;
        ProviderErrorWriter.Write(http.Response.BodyWriter, context.Provider, StatusCodes.Status429TooManyRequests, "tokenops_budget_exceeded", "TokenOps: " + message);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        return true;
    }

    private static async ValueTask<string?> FindModelAsync(PreForwardContext context)
    {
        // Gemini: /v1beta/models/{model}:generateContent
        var path = context.Path;
        var models = path.IndexOf("/models/", StringComparison.Ordinal);
        if (models >= 0)
        {
            var start = models + "/models/".Length;
            var end = path.IndexOf(':', start);
            return end > start ? path[start..end] : path[start..];
        }

        ReadOnlyMemory<byte> body;
        if (context.RequestBodyOverride is { } already)
        {
            body = already;
        }
        else
        {
            var request = context.HttpContext.Request;
            if (request.ContentLength is not { } length || length <= 0 || length > MaxBodyBytes)
            {
                return null;
            }

            var buffer = new byte[length];
            await request.Body.ReadExactlyAsync(buffer, context.HttpContext.RequestAborted).ConfigureAwait(false);
            context.ReplaceRequestBody(buffer);
            body = buffer;
        }

        return ReadTopLevelModel(body.Span);
    }

    internal static string? ReadTopLevelModel(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isModel = reader.ValueTextEquals("model"u8);
                reader.Read();
                if (isModel && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: no model, no budget match by model.
        }

        return null;
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Budget exhausted: answered 429 to a {Provider} request for {Model}: {Reason}")]
    private static partial void LogBlocked(ILogger logger, string provider, string model, string reason);
}
