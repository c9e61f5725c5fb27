using System.Text;
using TokenOps.Core.Events;

namespace TokenOps.Storage.Tests.Redaction;

/// <summary>
/// Writes events carrying fake credentials everywhere a producer could put them, then searches the raw
/// database and WAL bytes: no key may appear. Bodies are additionally checked after decompression
/// (gzip alone would hide a key from a byte search, so that check is what proves redaction).
/// </summary>
public sealed class SecretsNeverStoredTests
{
    private static readonly string[] FakeKeys =
    [
        "sk-proj-FAKEe2eKEYopenai0123456789abcdef",
        "sk-ant-api03-FAKEe2eKEYanthropic0123456789",
        "AIzaSyFAKEe2eKEYgemini0123456789abcdefg",
        "eyJFAKEbearerTOKEN0123456789.payload.signature",
        "hunter2-FAKE-password",
    ];

    [Fact]
    public async Task WriteBatch_EventsCarryingFakeKeys_NoKeyInDatabaseFiles()
    {
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        var sink = store.CreateSink();
        var now = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

        var prompt = TestStore.Prompt(now);
        prompt.Prompt!.Path = "/v1beta/models/gemini-2.5-flash:generateContent?key=" + FakeKeys[2];
        prompt.Prompt.CapturedRequestBody = Encoding.UTF8.GetBytes(
            $"{{\"api_key\":\"{FakeKeys[0]}\",\"messages\":[{{\"role\":\"user\",\"content\":\"keys: {FakeKeys[1]} and {FakeKeys[2]}\"}}],\"password\":\"{FakeKeys[4]}\"}}");
        prompt.Prompt.CapturedResponseBody = Encoding.UTF8.GetBytes(
            $"data: {{\"echo\":\"Authorization: Bearer {FakeKeys[3]}\",\"note\":\"{FakeKeys[0]}\"}}\n\n");
        var withAttributes = new Envelope
        {
            Id = prompt.Id,
            Type = prompt.Type,
            Timestamp = prompt.Timestamp,
            Prompt = prompt.Prompt,
            Attributes = new Dictionary<string, string> { ["authorization"] = "Bearer " + FakeKeys[3], ["x-api-key"] = FakeKeys[1] },
        };
        var coaching = Envelope.ForCoaching(new CoachingEvent
        {
            Kind = "leaked_key",
            Summary = "Prompt contains a key",
            Details = $"Found {FakeKeys[0]} and {FakeKeys[2]} in the system prompt",
        }, now);

        TestStore.Write(sink, withAttributes, coaching);

        using (var queries = store.OpenQueries())
        {
            var bodies = queries.ReadCapturedBodies(prompt.Id)!;
            var request = Encoding.UTF8.GetString(bodies.Request!);
            var response = Encoding.UTF8.GetString(bodies.Response!);
            foreach (var key in FakeKeys)
            {
                Assert.DoesNotContain(key, request, StringComparison.Ordinal);
                Assert.DoesNotContain(key, response, StringComparison.Ordinal);
            }

            Assert.Contains("\"content\":\"keys: [REDACTED] and [REDACTED]\"", request, StringComparison.Ordinal);
            Assert.Contains("\"role\":\"user\"", request, StringComparison.Ordinal);
            Assert.Contains("Bearer [REDACTED]", response, StringComparison.Ordinal);
            Assert.Contains("[REDACTED]", queries.GetPrompt(prompt.Id)!.Prompt!.Path, StringComparison.Ordinal);
        }

        AssertNoKeyInFiles(temp.DbPath, temp.DbPath + "-wal");
        await sink.FlushAsync(CancellationToken.None); // checkpoint: the pages move into the main file
        sink.Dispose();
        AssertNoKeyInFiles(temp.DbPath, temp.DbPath + "-wal");
    }

    private static void AssertNoKeyInFiles(params string[] paths)
    {
        var searched = 0L;
        var sawEventData = false;
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                continue;
            }

            var bytes = File.ReadAllBytes(path);
            searched += bytes.Length;
            foreach (var key in FakeKeys)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(key)) < 0, $"'{key}' found in {path}");
            }

            sawEventData |= bytes.AsSpan().IndexOf("leaked_key"u8) >= 0;
        }

        // The non-secret parts of the same events are in these files, so the search looked at real data.
        Assert.True(searched > 0);
        Assert.True(sawEventData);
    }
}
