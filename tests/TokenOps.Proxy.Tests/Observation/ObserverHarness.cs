using System.Globalization;
using System.IO.Compression;
using System.Text;
using TokenOps.Core.Events;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Tests.Observation;

/// <summary>A manual clock: 1 timestamp tick = 1 ms.</summary>
internal sealed class ManualTime : TimeProvider
{
    public long Now { get; set; } = 1_000;
    public override long GetTimestamp() => Now;
    public override long TimestampFrequency => 1_000;
}

/// <summary>Drives an observer the way the forwarder does and returns the completed event.</summary>
internal static class ObserverHarness
{
    public const string OpenAIChatRequest =
        """{"model":"gpt-4o","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"What is the capital of France?"}],"stream":true}""";
    public const string AnthropicRequest =
        """{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"Hello there"}],"stream":true}""";
    public const string GeminiRequest =
        """{"contents":[{"role":"user","parts":[{"text":"Hello there"}]}],"generationConfig":{"maxOutputTokens":256}}""";

    public static byte[] Fixture(string relative) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", relative));

    public static string DefaultRequest(string provider) => provider switch
    {
        "anthropic" => AnthropicRequest,
        "gemini" => GeminiRequest,
        _ => OpenAIChatRequest,
    };

    /// <summary>Splits a body into chunks of the given sizes (cycled).</summary>
    public static IEnumerable<byte[]> Chunks(byte[] body, params int[] sizes)
    {
        var i = 0;
        var k = 0;
        while (i < body.Length)
        {
            var n = Math.Min(sizes[k++ % sizes.Length], body.Length - i);
            yield return body.AsSpan(i, n).ToArray();
            i += n;
        }
    }

    public static PromptEvent Run(
        string provider, string path, string request, int status, string contentType, string? encoding,
        IEnumerable<byte[]> responseChunks, ObservationOptions? options = null, bool exchangeCompleted = true,
        ManualTime? time = null, string method = "POST")
    {
        time ??= new ManualTime();
        var factory = new ExchangeObserverFactory(options ?? new ObservationOptions(), time);
        var observer = factory.Create(provider, method, path)!;
        foreach (var chunk in Chunks(Encoding.UTF8.GetBytes(request), 7, 100, 3))
        {
            observer.OnRequestBody(chunk);
        }

        time.Now += 50;
        observer.OnResponseStart(status, contentType, encoding);
        foreach (var chunk in responseChunks)
        {
            time.Now += 10;
            observer.OnResponseBody(chunk, time.Now);
        }

        var e = new PromptEvent();
        observer.Complete(e, exchangeCompleted);
        return e;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    public static byte[] Brotli(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var br = new BrotliStream(ms, CompressionLevel.Fastest))
        {
            br.Write(data);
        }

        return ms.ToArray();
    }

    public static byte[] Deflate(byte[] data, bool zlib)
    {
        using var ms = new MemoryStream();
        using (Stream d = zlib ? new ZLibStream(ms, CompressionLevel.Fastest) : new DeflateStream(ms, CompressionLevel.Fastest))
        {
            d.Write(data);
        }

        return ms.ToArray();
    }

    /// <summary>The response-side facts of an event, as one comparable string (timing excluded).</summary>
    public static string Usage(PromptEvent e) => string.Join('|',
        S(e.InputTokens), S(e.OutputTokens), S(e.CachedInputTokens), S(e.CacheWriteInputTokens),
        S(e.CacheWrite5mInputTokens), S(e.CacheWrite1hInputTokens), S(e.ReasoningTokens),
        e.ResponseModel ?? "-", e.ResponseId ?? "-", e.FinishReason ?? "-", e.ErrorType ?? "-", e.ErrorCode ?? "-", e.UsageSource);

    private static string S(long? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
