using Microsoft.AspNetCore.Builder;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TokenOps.Dashboard.Assets;

/// <summary>
/// The page, its script and stylesheet, embedded in the assembly (EmbeddedResource) and served from memory: the single-file
/// binary needs nothing on disk and the page loads nothing from the internet (the CSP forbids it).
/// </summary>
internal static class DashboardAssets
{
    /// <summary>Only our own origin; no inline script; fetch/EventSource to ourselves only.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly (string Route, string Resource, string ContentType)[] Files =
    [
        (DashboardPaths.Page, "index.html", "text/html; charset=utf-8"),
        (DashboardPaths.Page + "/app.js", "app.js", "text/javascript; charset=utf-8"),
        (DashboardPaths.Page + "/app.css", "app.css", "text/css; charset=utf-8"),
    ];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        foreach (var (route, resource, contentType) in Files)
        {
            var body = Load(resource);
            // Hashed on first request, not at start-up: SHA-256 loads OpenSSL, ~10 ms the daemon's start need not pay.
            var etag = new Lazy<string>(() => "\"" + Convert.ToHexString(SHA256.HashData(body), 0, 8) + "\"");
            endpoints.MapGet(route, context => Serve(context, body, etag.Value, contentType));
        }
    }

    internal static byte[] Load(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("TokenOps.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"dashboard asset '{name}' is not embedded");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static Task Serve(HttpContext context, byte[] body, string etag, string contentType)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = etag;
        if (context.Request.Headers.IfNoneMatch == etag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
