using BenchmarkDotNet.Attributes;
using TokenOps.Proxy.Forwarding;

namespace TokenOps.Benchmarks.Forwarding;

/// <summary>
/// Building the upstream target from the client's raw request target (<see cref="UpstreamPath"/>, the real code):
/// strip the provider prefix, keep the path for the event, join with the upstream base. The joined string is
/// the one allocation the forwarder cannot avoid — HttpRequestMessage needs a <see cref="Uri"/>, built from a string —
/// so its budget is that string's size; <see cref="JoinAndUri"/> shows what the Uri itself costs on top.
/// The baseline takes the rest of the raw target after the prefix (a substring: it also feeds the event's path).
/// </summary>
[MemoryDiagnoser]
public class UpstreamPathBenchmarks
{
    private const string RawTarget = "/openai/v1/chat/completions";
    private const string Prefix = "/openai";
    private readonly string _base = UpstreamPath.NormalizeBase(new Uri("https://api.openai.com/"));
    private readonly string _baseWithPath = UpstreamPath.NormalizeBase(new Uri("https://gateway.example.com/openai/"));
    private readonly string _rest = "/v1/chat/completions";

    [Benchmark(Baseline = true)]
    public string? RestFromRawTarget() => UpstreamPath.RestFromRawTarget(RawTarget, Prefix);

    /// <summary>Path without a query string: returns its input (no copy).</summary>
    [Benchmark]
    public string PathOnly() => UpstreamPath.PathOnly(_rest);

    [Benchmark]
    public string Join() => UpstreamPath.Join(_base, _rest);

    [Benchmark]
    public string JoinBaseWithPath() => UpstreamPath.Join(_baseWithPath, _rest);

    /// <summary>What Forwarder.CreateRequest does with the joined string.</summary>
    [Benchmark]
    public Uri JoinAndUri() => new(UpstreamPath.Join(_base, _rest), UriKind.Absolute);
}
