using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenOps.Configuration;
using TokenOps.Core.Bus;
using TokenOps.Insights;
using TokenOps.Insights.Coaching;

namespace TokenOps.Daemon;

/// <summary>
/// Merge point [F]: the coaching pipeline (workflow tracking, WorkflowEvents, waste detection → CoachingEvents). Its
/// <see cref="CoachingPipeline.Sink"/> is registered as an <see cref="IEventSink"/> for the bus to subscribe, and a hosted
/// service starts it with the bus as publisher once the host starts (no DI cycle: the pipeline needs the publisher only then).
/// Without an <see cref="IEventPublisher"/> (forwarding-only mode) it stays idle.
/// </summary>
internal sealed partial class DaemonHost
{
    private static void ComposeCoaching(IServiceCollection services, TokenOpsConfig config)
    {
        var options = CreateCoachingOptions(config);
        // The detector reads the store: without one there is nothing to coach on.
        if (!options.Enabled || !config.Storage.Enabled)
        {
            return;
        }

        services.AddSingleton(sp => new CoachingPipeline(
            sp.GetRequiredService<InsightsOptions>() with { Time = sp.GetRequiredService<TimeProvider>() },
            options));
        services.AddSingleton<IEventSink>(static sp => sp.GetRequiredService<CoachingPipeline>().Sink);
        services.AddHostedService<CoachingHostedService>();
    }

    /// <summary><c>coaching.*</c> → the pipeline's options (waste thresholds keep their documented defaults).</summary>
    internal static CoachingOptions CreateCoachingOptions(TokenOpsConfig config) => new()
    {
        Enabled = config.Coaching.Enabled,
        SweepInterval = config.Coaching.Interval,
        SweepLookback = config.Coaching.Lookback,
        QueueCapacity = config.Coaching.Queue,
        MaxActiveWorkflows = config.Coaching.MaxWorkflows,
        MaxStepsPerWorkflow = config.Coaching.MaxSteps,
        Workflow = CreateWorkflowOptions(config),
    };

    /// <summary>The workflow settings the daemon and every report (CLI, MCP, dashboard via <see cref="InsightsOptions.Workflow"/>) share.</summary>
    internal static Insights.Workflow.WorkflowOptions CreateWorkflowOptions(TokenOpsConfig config) => new()
    {
        IdleTimeout = config.Coaching.WorkflowIdle,
        ChainMaxGap = config.Coaching.ChainMaxGap,
    };

    /// <summary>Starts the pipeline after the bus exists; stops it (timers, worker) on shutdown.</summary>
    private sealed class CoachingHostedService(IServiceProvider services, CoachingPipeline pipeline) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (services.GetService<IEventPublisher>() is { } publisher)
            {
                pipeline.Start(publisher);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => pipeline.StopAsync();
    }
}
