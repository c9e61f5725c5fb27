using System.Text;
using BenchmarkDotNet.Attributes;
using TokenOps.Core.Events;
using TokenOps.Proxy.Observation;

namespace TokenOps.Benchmarks.Observation;

/// <summary>
/// The response tap over a 200-event OpenAI chat stream (+ the final usage chunk), fed one SSE event per
/// chunk as the forwarder does. <see cref="FeedStream"/> is the per-chunk hot path (observer created once per
/// iteration, allocations then are the observer's own per-exchange state); <see cref="FeedAndComplete"/> adds
/// the off-path completion (JSON parse of the request, tokenizer estimate, usage extraction).
/// The baseline only scans the bytes, to show what the tap adds to a plain copy.
/// </summary>
[MemoryDiagnoser]
public class UsageTapBenchmarks
{
    private static readonly byte[] RequestBody = Encoding.UTF8.GetBytes(
        """{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Write two hundred words about ring buffers."}]}""");

    private readonly ExchangeObserverFactory _factory = new(new ObservationOptions(), TimeProvider.System);
    private byte[][] _events = [];

    [GlobalSetup]
    public void Setup()
    {
        var events = new List<byte[]>();
        for (var i = 0; i < 200; i++)
        {
            events.Add(Encoding.UTF8.GetBytes(
                $"data: {{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764230400,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"word{i} \"}},\"finish_reason\":null}}]}}\n\n"));
        }

        events.Add(Encoding.UTF8.GetBytes("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764230400,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"));
        events.Add(Encoding.UTF8.GetBytes("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764230400,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":31,\"completion_tokens\":200,\"total_tokens\":231,\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n"));
        events.Add("data: [DONE]\n\n"u8.ToArray());
        _events = [.. events];
        _ = global::TokenOps.Tokenizers.TokenizerRegistry.Warm();
    }

    [Benchmark(Baseline = true)]
    public long ScanOnly()
    {
        long sum = 0;
        foreach (var e in _events)
        {
            sum += e.AsSpan().IndexOf((byte)'\n');
        }

        return sum;
    }

    [Benchmark]
    public IExchangeObserver FeedStream()
    {
        var observer = _factory.Create("openai", "POST", "/v1/chat/completions")!;
        observer.OnRequestBody(RequestBody);
        observer.OnResponseStart(200, "text/event-stream", null);
        var t = 0L;
        foreach (var e in _events)
        {
            observer.OnResponseBody(e, ++t);
        }

        return observer;
    }

    [Benchmark]
    public long? FeedAndComplete()
    {
        var observer = FeedStream();
        var promptEvent = new PromptEvent { Provider = Providers.OpenAI, Method = "POST", Path = "/v1/chat/completions" };
        observer.Complete(promptEvent, exchangeCompleted: true);
        return promptEvent.OutputTokens;
    }
}
