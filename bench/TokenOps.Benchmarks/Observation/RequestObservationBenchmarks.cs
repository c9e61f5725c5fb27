using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using TokenOps.Benchmarks.Infrastructure;
using TokenOps.Core.Events;
using TokenOps.Proxy.Observation;
using TokenOps.Tokenizers;

namespace TokenOps.Benchmarks.Observation;

/// <summary>
/// Observing a request (issue [I]): the prompt hash and the tokenizer estimate over 1 KB / 32 KB / 256 KB chat
/// requests. <see cref="Observe"/> is the real <see cref="ExchangeObserverFactory"/> observer: the request body fed in
/// 16 KB chunks as it streams upstream (incremental sha256 + bounded copy — the only part on the request path), then,
/// off the request path, the JSON response and Complete (hash hex, request parse, o200k count, usage).
/// <see cref="CountTokens"/> isolates the tokenizer (<see cref="RequestTokenCounter"/> over the same body). The
/// baseline is a one-shot sha256 of the body.
/// </summary>
[MemoryDiagnoser]
public class RequestObservationBenchmarks
{
    private const int Chunk = 16 * 1024;
    private readonly byte[] _hash = new byte[SHA256.HashSizeInBytes];
    private readonly ExchangeObserverFactory _factory = new(new ObservationOptions(), TimeProvider.System);
    private byte[] _body = [];
    private byte[] _response = [];

    /// <summary>1 KB chat turn, 32 KB agent context, 256 KB long-context prompt.</summary>
    [Params(1024, 32 * 1024, 256 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = Payloads.ChatRequest(Size);
        _response = Payloads.Fixture("openai/chat_normal.json");
        TokenizerRegistry.Warm().GetAwaiter().GetResult();
        var e = Observe();
        if (e.EstimatedInputTokens is not > 0 || e.PromptHash is null || e.InputTokens is null)
        {
            throw new InvalidOperationException("The observer did not hash, count or meter the benchmark request.");
        }
    }

    [Benchmark(Baseline = true)]
    public byte HashOnly()
    {
        SHA256.HashData(_body, _hash);
        return _hash[0];
    }

    [Benchmark]
    public int CountTokens() => RequestTokenCounter.Count("openai", "chat", "gpt-4o", _body)?.Tokens ?? -1;

    [Benchmark]
    public PromptEvent Observe()
    {
        var observer = _factory.Create("openai", "POST", "/v1/chat/completions")!;
        var body = _body.AsSpan();
        for (var offset = 0; offset < body.Length; offset += Chunk)
        {
            observer.OnRequestBody(body.Slice(offset, Math.Min(Chunk, body.Length - offset)));
        }

        observer.OnResponseStart(200, "application/json", null);
        observer.OnResponseBody(_response, 1);
        var e = new PromptEvent { Provider = Providers.OpenAI, Method = "POST", Path = "/v1/chat/completions" };
        observer.Complete(e, exchangeCompleted: true);
        return e;
    }
}
