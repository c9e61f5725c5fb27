using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TokenOps.Daemon;

/// <summary>Knobs of the daemon host that are not user configuration (tests and the CLI set them).</summary>
internal sealed class DaemonHostOptions
{
    /// <summary>Replaces the default ZLogger-to-stderr logging (tests capture logs here).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Extra services registered after the composition methods (tests add counter sources, fakes).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// How long a graceful stop waits for in-flight requests (and, once wired, the bus drain) before
    /// the host gives up on them. LLM streams can run for minutes, so this is a deadline, not a wait for all.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; init; } = DaemonHost.DefaultShutdownTimeout;
}
