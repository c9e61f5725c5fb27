using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Primitives;

namespace TokenOps.Dashboard;

/// <summary>Marks an endpoint outside /dashboard and /api/dashboard as token-protected (e.g. another /api group).</summary>
public sealed class DashboardTokenRequired;

/// <summary>
/// Token check for /dashboard, /api/dashboard and endpoints carrying <see cref="DashboardTokenRequired"/>. Accepted, in order:
/// <c>Authorization: Bearer</c>, the dashboard cookie, or <c>?token=</c> once — which sets an HttpOnly SameSite=Strict
/// cookie and, for a page, redirects to the same URL without the token so it does not stay in the address bar or history.
/// Everything else answers 401. /healthz, /readyz, /version and the provider routes are not touched.
/// </summary>
internal sealed class DashboardAuthMiddleware(RequestDelegate next, DashboardTokenHolder holder)
{
    /// <summary>Cookies are not port-scoped (RFC 6265 §8.5): the port in the name keeps two local daemons apart.</summary>
    internal static string CookieName(int port) => "tokenops_dashboard_" + port.ToString(CultureInfo.InvariantCulture);

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var isPage = path.StartsWithSegments(DashboardPaths.Page, StringComparison.OrdinalIgnoreCase);
        var isProtected = isPage
            || path.StartsWithSegments(DashboardPaths.Api, StringComparison.OrdinalIgnoreCase)
            || context.GetEndpoint()?.Metadata.GetMetadata<DashboardTokenRequired>() is not null;
        if (!isProtected)
        {
            return next(context);
        }

        var token = holder.Token;
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && DashboardToken.Matches(token, authorization.AsSpan(7).Trim()))
        {
            return next(context);
        }

        var cookieName = CookieName(context.Connection.LocalPort);
        if (context.Request.Cookies.TryGetValue(cookieName, out var cookie) && DashboardToken.Matches(token, cookie))
        {
            return next(context);
        }

        var query = context.Request.Query["token"];
        if (!StringValues.IsNullOrEmpty(query) && DashboardToken.Matches(token, query.ToString()))
        {
            context.Response.Cookies.Append(cookieName, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                Secure = false, // plain http on loopback; the cookie never leaves the machine
                IsEssential = true,
            });
            if (isPage && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status303SeeOther;
                context.Response.Headers.Location = path.Value + WithoutToken(context.Request.QueryString);
                context.Response.Headers.CacheControl = "no-store";
                return Task.CompletedTask;
            }

            return next(context);
        }

        return Refuse(context, isPage);
    }

    private static string WithoutToken(QueryString query)
    {
        if (!query.HasValue)
        {
            return "";
        }

        var parsed = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query.Value);
        var builder = new QueryBuilder();
        foreach (var (key, values) in parsed)
        {
            if (!string.Equals(key, "token", StringComparison.Ordinal))
            {
                foreach (var value in values)
                {
                    builder.Add(key, value ?? "");
                }
            }
        }

        return builder.ToQueryString().Value ?? "";
    }

    private static Task Refuse(HttpContext context, bool isPage)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"tokenops-dashboard\"";
        context.Response.Headers.CacheControl = "no-store";
        if (isPage)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("401 Unauthorized: open the dashboard with the URL that `tokenops dashboard` prints (it carries the access token).\n");
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync("{\"error\":\"unauthorized\",\"message\":\"missing or wrong dashboard token (Authorization: Bearer <token from dashboard.token>)\"}\n");
    }
}

/// <summary>The token, read (or minted) once at startup.</summary>
public sealed class DashboardTokenHolder(string token)
{
    public string Token { get; } = token;
}

internal static class DashboardPaths
{
    public const string Page = "/dashboard";
    public const string Api = "/api/dashboard";
}
