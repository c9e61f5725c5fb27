using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TokenOps.Daemon;

/// <summary>
/// The daemon's own endpoints. They live outside the provider prefixes (/openai, /anthropic, /gemini),
/// so they can never shadow a proxied path.
/// </summary>
internal static class ControlEndpoints
{
    public static IEndpointRouteBuilder MapControlEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Liveness: the process is up and Kestrel answers.
        endpoints.MapGet("/healthz", static () => TypedResults.Text("ok"));

        // Readiness + counters (what `tokenops status` reads).
        endpoints.MapGet("/readyz", static (DaemonStatus status) => status.ToResult());

        // Serialized through the JSON options' resolver chain (DaemonJsonContext), never reflection.
        endpoints.MapGet("/version", static () => TypedResults.Ok(new VersionResponse(BuildInfo.Name, BuildInfo.Version, BuildInfo.Commit, BuildInfo.Runtime)));
        return endpoints;
    }
}
