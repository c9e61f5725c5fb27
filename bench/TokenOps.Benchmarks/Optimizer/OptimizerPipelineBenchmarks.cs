using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using TokenOps.Benchmarks.Infrastructure;
using TokenOps.Optimizer.Pipeline;
using TokenOps.Tokenizers;

namespace TokenOps.Benchmarks.Optimizer;

/// <summary>
/// The optimizer pipeline in passive mode, as the passive background worker runs it per request, OFF the request path
/// (TokenOps.Proxy's PassiveOptimizer.Analyse): parse the captured body into a pooled JsonDocument, hand the pipeline
/// the tree over it and the element itself (the optimizers' read-only looks read the element; the tree is built only
/// for an optimizer that may propose), produce recommendations. Two bodies: a realistic ~12 KB agent request on which
/// most optimizers propose, and the load test's ordinary two-message chat request, on which none does. The baseline is
/// the parse alone.
/// </summary>
[MemoryDiagnoser]
public class OptimizerPipelineBenchmarks
{
    private readonly OptimizationPipeline _pipeline = new(new OptimizerOptions { Enabled = true, Mode = OptimizerMode.Passive });
    private byte[] _body = [];
    private byte[] _chat = [];

    [GlobalSetup]
    public void Setup()
    {
        _body = Payloads.AgentChatRequest();
        _chat = Encoding.UTF8.GetBytes(
            """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a terse assistant that answers in one line."},{"role":"user","content":"Summarise benchmark request 000000001234 in one line, mentioning latency, throughput and the cost of observation."}],"max_tokens":128,"temperature":0,"stream":false}""");
        TokenizerRegistry.Warm().GetAwaiter().GetResult();
        if (Passive() == 0)
        {
            throw new InvalidOperationException("The passive pipeline produced no recommendations for the benchmark request.");
        }

        if (PassiveChat() != 0)
        {
            throw new InvalidOperationException("The passive pipeline recommended something for the ordinary chat request.");
        }
    }

    [Benchmark(Baseline = true)]
    public int ParseOnly()
    {
        using var document = JsonDocument.Parse(_body.AsMemory());
        return document.RootElement.GetPropertyCount();
    }

    /// <summary>Number of recommendations for the agent request.</summary>
    [Benchmark]
    public int Passive() => Run(_body);

    /// <summary>Number of recommendations for the ordinary chat request (0).</summary>
    [Benchmark]
    public int PassiveChat() => Run(_chat);

    private int Run(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes.AsMemory());
        var root = document.RootElement;
        var request = new OptimizationRequest
        {
            Provider = "openai",
            Operation = "chat",
            Model = "gpt-4o",
            Body = JsonObject.Create(root)!,
            BodyElement = root,
        };
        return _pipeline.Run(request, PipelineRunMode.Passive).Recommendations.Count;
    }
}
