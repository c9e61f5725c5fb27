using System.Text;
using BenchmarkDotNet.Attributes;
using TokenOps.Benchmarks.Infrastructure;
using TokenOps.Core.Events;
using TokenOps.Proxy.Observation;
using TokenOps.Tokenizers;

namespace TokenOps.Benchmarks.Observation;

/// <summary>
/// The usage tap per provider over its recorded JSON and SSE responses (the golden fixtures of the usage tests:
/// OpenAI chat completions, Anthropic messages, Gemini generateContent / streamGenerateContent). One exchange per
/// operation through the real observer: request body, response start, the body (SSE: one event per chunk, as the
/// forwarder relays a paced stream), then Complete, which extracts the provider's usage. The baseline scans the
/// same SSE bytes for event boundaries — what any relay does anyway.
/// </summary>
[MemoryDiagnoser]
public class UsageTapProviderBenchmarks
{
    private readonly ExchangeObserverFactory _factory = new(new ObservationOptions(), TimeProvider.System);
    private byte[] _request = [];
    private byte[] _json = [];
    private byte[][] _sse = [];
    private string _jsonPath = "";
    private string _ssePath = "";

    [Params("openai", "anthropic", "gemini")]
    public string Provider { get; set; } = "openai";

    [GlobalSetup]
    public void Setup()
    {
        (_jsonPath, _ssePath, var request, var json, var sse) = Provider switch
        {
            "anthropic" => ("/v1/messages", "/v1/messages",
                """{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"system":"You are terse.","messages":[{"role":"user","content":"Say hello."}]}""",
                "anthropic/messages_normal.json", "anthropic/messages_normal.sse"),
            "gemini" => ("/v1beta/models/gemini-2.5-flash:generateContent", "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                """{"systemInstruction":{"parts":[{"text":"You are terse."}]},"contents":[{"role":"user","parts":[{"text":"Explain AI in one sentence."}]}]}""",
                "gemini/generate_normal.json", "gemini/stream_normal.sse"),
            _ => ("/v1/chat/completions", "/v1/chat/completions",
                """{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello."}]}""",
                "openai/chat_normal.json", "openai/chat_normal.sse"),
        };
        _request = Encoding.UTF8.GetBytes(request);
        _json = Payloads.Fixture(json);
        _sse = Payloads.SseEvents(Payloads.Fixture(sse));
        TokenizerRegistry.Warm().GetAwaiter().GetResult();
        if (Json() is not > 0 || Sse() is not > 0)
        {
            throw new InvalidOperationException($"The {Provider} usage tap did not find the output tokens in the fixtures.");
        }
    }

    [Benchmark(Baseline = true)]
    public long ScanOnly()
    {
        long sum = 0;
        foreach (var e in _sse)
        {
            sum += e.AsSpan().IndexOf("\n\n"u8);
        }

        return sum;
    }

    [Benchmark]
    public long? Json() => Run(_jsonPath, "application/json", [_json]);

    [Benchmark]
    public long? Sse() => Run(_ssePath, "text/event-stream", _sse);

    private long? Run(string path, string contentType, byte[][] chunks)
    {
        var observer = _factory.Create(Provider, "POST", path)!;
        observer.OnRequestBody(_request);
        observer.OnResponseStart(200, contentType, null);
        var t = 0L;
        foreach (var chunk in chunks)
        {
            observer.OnResponseBody(chunk, ++t);
        }

        var e = new PromptEvent { Provider = Provider, Method = "POST", Path = path };
        observer.Complete(e, exchangeCompleted: true);
        return e.OutputTokens;
    }
}
