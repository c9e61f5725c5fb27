using System.Diagnostics;
using TokenOps.Proxy.Observation;

namespace TokenOps.Proxy.Tests.Observation;

/// <summary>
/// Fuzzing the whole tap: random bytes, truncations and mutations of real fixtures, fed in random
/// chunks, must never throw or hang, and must give the same result as feeding the same bytes at once
/// (the slow reference). Seeded, so a failure reproduces.
/// </summary>
public sealed class ObserverFuzzTests
{
    private static readonly (string Provider, string Path, string Fixture, string ContentType)[] Fixtures =
    [
        ("openai", "/v1/chat/completions", "openai/chat_tool.sse", "text/event-stream"),
        ("openai", "/v1/chat/completions", "openai/chat_nousage.sse", "text/event-stream"),
        ("openai", "/v1/chat/completions", "openai/chat_reasoning.json", "application/json"),
        ("openai", "/v1/responses", "openai/responses_reasoning.sse", "text/event-stream"),
        ("anthropic", "/v1/messages", "anthropic/messages_cached.sse", "text/event-stream"),
        ("anthropic", "/v1/messages", "anthropic/messages_tool.json", "application/json"),
        ("gemini", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "gemini/stream_thinking.sse", "text/event-stream"),
        ("gemini", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", "gemini/stream_array.json", "application/json"),
    ];

    [Fact]
    public void Fuzz_MutatedFixtures_NeverThrowAndMatchWholeBodyReference()
    {
        var random = new Random(4242);
        var sw = Stopwatch.StartNew();
        for (var iteration = 0; iteration < 2500; iteration++)
        {
            var (provider, path, fixture, contentType) = Fixtures[iteration % Fixtures.Length];
            var body = Mutate(ObserverHarness.Fixture(fixture), random);
            var options = new ObservationOptions { MaxSseEventBytes = random.Next(2) == 0 ? 1 << 20 : random.Next(16, 600) };
            var status = random.Next(8) == 0 ? 500 : 200;
            var request = ObserverHarness.DefaultRequest(provider);

            var whole = ObserverHarness.Run(provider, path, request, status, contentType, null, [body], options);
            var chunked = ObserverHarness.Run(provider, path, request, status, contentType, null,
                ObserverHarness.Chunks(body, random.Next(1, 5), random.Next(1, 300)), options);
            Assert.True(ObserverHarness.Usage(whole) == ObserverHarness.Usage(chunked), $"iteration {iteration}");
        }

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
    }

    [Fact]
    public void Fuzz_RandomBytesAnyProviderAnyShape_NeverThrows()
    {
        var random = new Random(777);
        string[] contentTypes = ["text/event-stream", "application/json", "text/html"];
        string[] encodings = ["", "gzip", "br", "deflate", "gzip, br"];
        for (var iteration = 0; iteration < 1500; iteration++)
        {
            var (provider, path, _, _) = Fixtures[random.Next(Fixtures.Length)];
            var body = new byte[random.Next(0, 2000)];
            random.NextBytes(body);
            var encoding = encodings[random.Next(encodings.Length)];
            var e = ObserverHarness.Run(provider, path, Convert.ToBase64String(body, 0, Math.Min(body.Length, 50)),
                random.Next(2) == 0 ? 200 : 400, contentTypes[random.Next(contentTypes.Length)], encoding.Length == 0 ? null : encoding,
                ObserverHarness.Chunks(body, random.Next(1, 100)), exchangeCompleted: random.Next(2) == 0);
            Assert.NotEqual("provider", e.UsageSource);
            Assert.Equal(64, e.PromptHash!.Length);
        }
    }

    private static byte[] Mutate(byte[] source, Random random)
    {
        var data = new List<byte>(source);
        var mutations = random.Next(0, 6);
        for (var m = 0; m < mutations && data.Count > 0; m++)
        {
            var at = random.Next(data.Count);
            switch (random.Next(5))
            {
                case 0:
                    data[at] = (byte)random.Next(256);
                    break;
                case 1:
                    data.RemoveRange(at, Math.Min(random.Next(1, 40), data.Count - at));
                    break;
                case 2:
                    data.Insert(at, "\n\r:{}\"[]"u8[random.Next(8)]);
                    break;
                case 3:
                    data.RemoveRange(at, data.Count - at); // truncation
                    break;
                default:
                    var from = random.Next(data.Count);
                    data.InsertRange(at, data.GetRange(from, Math.Min(30, data.Count - from))); // duplication

                    break;
            }
        }

        return [.. data];
    }
}
