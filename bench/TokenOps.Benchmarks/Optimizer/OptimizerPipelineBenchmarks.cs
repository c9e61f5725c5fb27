using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using TokenOps.Benchmarks.Infrastructure;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Tokenizers;

namespace TokenOps.Benchmarks.Optimizer;

/// <summary>
/// The optimizer pipeline in passive mode over a realistic agent chat request (~12 KB: system prompt, a few turns,
/// a retrieval dump, a repeated tool result) — the work the passive background worker does per request, OFF the
/// request path: parse the captured body, run all six optimizers, produce recommendations. The baseline is the
/// JSON parse alone.
/// </summary>
[MemoryDiagnoser]
public class OptimizerPipelineBenchmarks
{
    private readonly OptimizationPipeline _pipeline = new(new OptimizerOptions { Enabled = true, Mode = OptimizerMode.Passive });
    private byte[] _body = [];

    [GlobalSetup]
    public void Setup()
    {
        _body = Payloads.AgentChatRequest();
        TokenizerRegistry.Warm().GetAwaiter().GetResult();
        var outcome = Passive();
        if (!outcome.Supported || outcome.Recommendations.Count == 0)
        {
            throw new InvalidOperationException("The passive pipeline produced no recommendations for the benchmark request.");
        }
    }

    [Benchmark(Baseline = true)]
    public JsonObject ParseOnly() => (JsonObject)JsonNode.Parse(_body)!;

    [Benchmark]
    public OptimizationOutcome Passive()
    {
        var body = (JsonObject)JsonNode.Parse(_body)!;
        var request = new OptimizationRequest { Provider = "openai", Operation = "chat", Model = "gpt-4o", Body = body };
        return _pipeline.Run(request, PipelineRunMode.Passive);
    }
}
