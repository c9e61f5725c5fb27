using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// On host stop, completes the exchanges still queued in the <see cref="CompletionPump"/>, so their events reach the
/// bus before it stops accepting. Hosted services stop in reverse registration order: the proxy is composed after
/// the event pipeline, so this runs before the pipeline drains the bus.
/// </summary>
internal sealed class CompletionPumpDrain(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        services.GetService<Forwarder>()?.DrainCompletions();
        return Task.CompletedTask;
    }
}
