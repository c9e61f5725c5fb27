using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TokenOps.Core.Bus;
using TokenOps.Core.Pricing;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Proxy.Forwarding;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Optimization;

public static class OptimizerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the optimizer when <see cref="OptimizerOptions.Enabled"/>: the pipeline (singleton, priced through the
    /// registered <see cref="IPromptCostStamper"/>), the interactive <see cref="IPreForwardInterceptor"/> (always — a request
    /// can opt in with <c>X-TokenOps-Optimize: interactive</c>), and in passive mode the <see cref="IExchangeCompletionHook"/>
    /// with its bounded background worker. Interceptors run in registration order: call this before the response cache's
    /// registration if the cache should key on the optimized body. Also warms the tokenizers (once the server listens) so
    /// the first requests do not spend their latency budget loading them.
    /// </summary>
    public static IServiceCollection AddTokenOpsOptimizer(this IServiceCollection services, OptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return services;
        }

        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OptimizerMarks>();
        services.TryAddSingleton(static sp => new OptimizationPipeline(
            sp.GetRequiredService<OptimizerOptions>(), sp.GetService<IPromptCostStamper>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IPreForwardInterceptor>(static sp => new OptimizerInterceptor(
            sp.GetRequiredService<OptimizationPipeline>(), sp.GetService<IEventPublisher>(), sp.GetRequiredService<OptimizerMarks>(),
            sp.GetRequiredService<TimeProvider>()));
        if (options.Mode == OptimizerMode.Passive)
        {
            services.TryAddSingleton(static sp => new PassiveOptimizer(
                sp.GetRequiredService<OptimizationPipeline>(), sp.GetService<IEventPublisher>(), sp.GetRequiredService<OptimizerMarks>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger("TokenOps.Optimizer.Passive") ?? NullLogger.Instance));
            services.AddSingleton<IExchangeCompletionHook>(static sp => sp.GetRequiredService<PassiveOptimizer>());
            services.TryAddSingleton<IPassiveOptimizerStatus>(static sp => sp.GetRequiredService<PassiveOptimizer>());
        }

        services.AddTokenizerWarmup();
        return services;
    }
}
