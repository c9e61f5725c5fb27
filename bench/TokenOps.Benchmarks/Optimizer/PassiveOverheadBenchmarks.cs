using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using TokenOps.Benchmarks.Infrastructure;
using TokenOps.Core.Events;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Proxy.Forwarding;
using TokenOps.Proxy.Optimization;
using TokenOps.Proxy.Providers;

namespace TokenOps.Benchmarks.Optimizer;

/// <summary>
/// Issue [E]: passive mode adds no latency to the request. What the optimizer puts ON the request path in passive
/// mode is the forwarder's interceptor step (Forwarder step 3, the real <see cref="Forwarder.RunInterceptorsAsync"/>)
/// running the <see cref="OptimizerInterceptor"/>, which reads the mode header and returns without touching the
/// body. <see cref="NoOptimizer"/> (baseline) is that step with nothing registered, as in a daemon without the
/// optimizer. <see cref="PassiveCompletionHook"/> is the rest of passive mode — the <see cref="PassiveOptimizer"/>
/// hook handing the captured body to its bounded queue — which runs after the client has its whole response
/// (ForwardingExchange.Execute on the thread pool), so it is off the request path by construction. Its background
/// worker is held inside its first analysis (the pipeline's clock waits until cleanup) so the worker allocates
/// nothing while we measure: after the first 256 calls the bounded queue is full and every call takes the drop
/// branch — the steady state of an overloaded analyser, and the same work as an enqueue (one small work item, the
/// channel lock, a count). Allocation measurement is process-wide, so without the hold the worker's analyses would
/// leak into this number.
/// </summary>
[MemoryDiagnoser]
public class PassiveOverheadBenchmarks
{
    private readonly IPreForwardInterceptor[] _none = [];
    private readonly HeldClock _heldClock = new();
    private IPreForwardInterceptor[] _passive = [];
    private PassiveOptimizer _hook = null!;
    private DefaultHttpContext _http = null!;
    private PromptEvent _event = null!;

    [GlobalSetup]
    public void Setup()
    {
        var pipeline = new OptimizationPipeline(new OptimizerOptions { Enabled = true, Mode = OptimizerMode.Passive });
        var marks = new OptimizerMarks();
        _passive = [new OptimizerInterceptor(pipeline, publisher: null, marks, TimeProvider.System)];
        var heldPipeline = new OptimizationPipeline(pipeline.Options, stamper: null, _heldClock);
        _hook = new PassiveOptimizer(heldPipeline, publisher: null, marks, TimeProvider.System, NullLogger.Instance);

        var body = Payloads.ChatRequest(1024);
        _http = new DefaultHttpContext();
        var request = _http.Request;
        request.Method = "POST";
        request.Path = "/openai/v1/chat/completions";
        request.ContentType = "application/json";
        request.ContentLength = body.Length;
        request.Headers.Authorization = "Bearer sk-proj-0123456789abcdefghijklmnopqrstuvwxyz";
        request.Body = new MemoryStream(body);
        _event = new PromptEvent
        {
            Provider = Providers.OpenAI,
            Operation = "chat",
            Method = "POST",
            Path = "/v1/chat/completions",
            RequestModel = "gpt-4o",
            StatusCode = 200,
            CapturedRequestBody = body,
        };

        if (Passive() || request.Body.Position != 0)
        {
            throw new InvalidOperationException("The passive interceptor answered or read the request body.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _heldClock.Release();
        _hook.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool NoOptimizer() => InterceptorStep(_none);

    [Benchmark]
    public bool Passive() => InterceptorStep(_passive);

    [Benchmark]
    public long PassiveCompletionHook()
    {
        _hook.OnExchangeCompleted(_event);
        return _hook.Dropped;
    }

    /// <summary>Forwarder.ForwardAsync step 3, as written there.</summary>
    private bool InterceptorStep(IPreForwardInterceptor[] interceptors)
    {
        if (interceptors.Length == 0)
        {
            return false;
        }

        var preForward = new PreForwardContext(_http, ProviderKind.OpenAI, "openai", "/v1/chat/completions", "/v1/chat/completions", exchange: null);
        return Forwarder.RunInterceptorsAsync(interceptors, preForward).GetAwaiter().GetResult();
    }

    /// <summary>The passive worker's pipeline clock: its first reading waits until <see cref="Release"/>.</summary>
    private sealed class HeldClock : TimeProvider
    {
        private readonly ManualResetEventSlim _released = new(false);

        public void Release() => _released.Set();

        public override long GetTimestamp()
        {
            _released.Wait();
            return base.GetTimestamp();
        }
    }
}
