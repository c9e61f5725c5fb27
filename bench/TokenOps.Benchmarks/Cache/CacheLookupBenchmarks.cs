using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using TokenOps.Proxy.Cache;

namespace TokenOps.Benchmarks.Cache;

/// <summary>
/// What a cache miss costs on the request path: one sha256 over provider/method/path/credential-hash/body and one
/// dictionary lookup (issue [C]). The baseline hashes the body alone; a hit lookup and a store (replacing an entry:
/// what a refreshed miss does once the upstream response completed, off the request path) are shown too, the store both
/// from an entry object and from a recording's parts (what the proxy does: encoded into a pooled buffer, no garbage).
/// <see cref="RecordAndStoreSseStream"/> is a streamed reply's whole cache cost, on the socket thread that relays it:
/// recording the load test's 64-event stream chunk by chunk, then storing it (Brotli, as it is over 4 KB).
/// </summary>
[MemoryDiagnoser]
public class CacheLookupBenchmarks
{
    private readonly byte[] _body = new byte[1024];
    private ResponseCache _cache = null!;
    private CacheKey _storedKey;
    private CacheKey _replacedKey;
    private CachedResponse _replacement = null!;
    private KeyValuePair<string, string>[] _headers = [];
    private byte[] _recorded = [];
    private byte[][] _sseEvents = [];
    private KeyValuePair<string, string>[] _sseHeaders = [];

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_body);
        _cache = new ResponseCache(new CacheOptions { Enabled = true, SweepInterval = TimeSpan.Zero });
        _storedKey = CacheKey.Compute("openai", "POST", "/v1/chat/completions", "0123456789abcdef", "stored"u8);
        var now = DateTimeOffset.UtcNow;
        _cache.Store(_storedKey, new CachedResponse(200, [new("content-type", "application/json")], new byte[1024], [1024], now, now.AddHours(1)));
        _replacedKey = CacheKey.Compute("openai", "POST", "/v1/chat/completions", "0123456789abcdef", "replaced"u8);
        _replacement = new CachedResponse(200, [new("content-type", "application/json")], new byte[1225], [1225], now, now.AddHours(1));
        _headers = [new("content-type", "application/json"), new("x-request-id", "req_0123456789abcdef")];
        _recorded = new byte[1225];
        _sseEvents = SseStream(64);
        _sseHeaders = [new("content-type", "text/event-stream"), new("x-request-id", "req_0123456789abcdef")];
    }

    [GlobalCleanup]
    public void Cleanup() => _cache.Dispose();

    [Benchmark(Baseline = true)]
    public byte[] Sha256Body() => SHA256.HashData(_body);

    [Benchmark]
    public bool MissKeyAndLookup()
    {
        var key = CacheKey.Compute("openai", "POST", "/v1/chat/completions", "0123456789abcdef", _body);
        return _cache.TryGet(key, out _);
    }

    [Benchmark]
    public bool HitLookup() => _cache.TryGet(_storedKey, out _);

    [Benchmark]
    public bool Store() => _cache.Store(_replacedKey, _replacement);

    [Benchmark]
    public bool StoreFromParts()
    {
        var now = DateTimeOffset.UtcNow;
        return _cache.Store(_replacedKey, 200, _headers, _recorded, [_recorded.Length], now, now.AddHours(1));
    }

    [Benchmark]
    public bool RecordAndStoreSseStream()
    {
        using var recorder = new CacheRecorder(_cache.Options.MaxEntryBytes, eventStream: true);
        foreach (var chunk in _sseEvents)
        {
            recorder.Append(chunk);
        }

        return recorder.StoreInto(_cache, _replacedKey, 200, _sseHeaders, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
    }

    /// <summary>The load test's fake upstream's shape: a role event, <paramref name="tokens"/> content events, usage, [DONE].</summary>
    private static byte[][] SseStream(int tokens)
    {
        const string Head = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1733300000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":";
        var events = new List<byte[]> { System.Text.Encoding.UTF8.GetBytes(Head + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n") };
        for (var i = 0; i < tokens; i++)
        {
            events.Add(System.Text.Encoding.UTF8.GetBytes(Head + "{\"content\":\"token" + i + " \"},\"finish_reason\":null}]}\n\n"));
        }

        events.Add(System.Text.Encoding.UTF8.GetBytes(Head + "{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":24,\"completion_tokens\":" + tokens + ",\"total_tokens\":" + (24 + tokens) + "}}\n\n"));
        events.Add("data: [DONE]\n\n"u8.ToArray());
        return [.. events];
    }
}
