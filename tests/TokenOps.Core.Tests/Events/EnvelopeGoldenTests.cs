using System.Runtime.CompilerServices;
using TokenOps.Core.Events;
using TokenOps.Core.Json;

namespace TokenOps.Core.Tests.Events;

/// <summary>
/// Pins the JSON of every payload type. A diff here is a schema change: follow the bump rule in
/// docs/events.md. Regenerate deliberately with TOKENOPS_UPDATE_GOLDEN=1.
/// </summary>
public sealed class EnvelopeGoldenTests
{
    public static TheoryData<string> Types => new() { EventTypes.Prompt, EventTypes.Optimization, EventTypes.Workflow, EventTypes.Coaching };

    private static Envelope Sample(string type) => type switch
    {
        EventTypes.Prompt => SampleEnvelopes.Prompt(),
        EventTypes.Optimization => SampleEnvelopes.Optimization(),
        EventTypes.Workflow => SampleEnvelopes.Workflow(),
        EventTypes.Coaching => SampleEnvelopes.Coaching(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void Serialize_EachPayloadType_MatchesGoldenFile(string type)
    {
        var json = EnvelopeJson.Serialize(Sample(type), indented: true);
        if (Environment.GetEnvironmentVariable("TOKENOPS_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceGoldenDir(), type + ".json"), json + "\n");
        }

        Assert.Equal(ReadGolden(type), json);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Deserialize_GoldenFile_RoundTripsToSameJson(string type)
    {
        var golden = ReadGolden(type);
        var envelope = EnvelopeJson.Deserialize(golden);
        Assert.Equal(type, envelope.Type);
        Assert.Equal(golden, EnvelopeJson.Serialize(envelope, indented: true));
    }

    [Fact]
    public void Deserialize_PromptGolden_RestoresEveryFieldValue()
    {
        var expected = SampleEnvelopes.Prompt();
        var actual = EnvelopeJson.Deserialize(ReadGolden(EventTypes.Prompt));

        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Timestamp, actual.Timestamp);
        Assert.Equal("openai-node", actual.Attributes!["client"]);
        var e = expected.Prompt!;
        var a = actual.Prompt!;
        Assert.Equal(e.Provider, a.Provider);
        Assert.Equal(e.CacheWrite5mInputTokens, a.CacheWrite5mInputTokens);
        Assert.Equal(e.CacheWrite1hInputTokens, a.CacheWrite1hInputTokens);
        Assert.Equal(e.CostUsd, a.CostUsd);
        Assert.Equal(e.TimeToFirstTokenMs, a.TimeToFirstTokenMs);
        Assert.Equal(e.TokenizerExact, a.TokenizerExact);
        Assert.Null(a.CapturedRequestBody);
        Assert.Null(actual.Optimization);
    }

    [Fact]
    public void Serialize_PromptGolden_UsesExplicitCacheWriteNamesAndNoCapturedBody()
    {
        var golden = ReadGolden(EventTypes.Prompt);
        Assert.Contains("\"cache_write_5m_input_tokens\": 150", golden, StringComparison.Ordinal);
        Assert.Contains("\"cache_write_1h_input_tokens\": 50", golden, StringComparison.Ordinal);
        Assert.DoesNotContain("captured", golden, StringComparison.Ordinal);
        Assert.DoesNotContain("never in json", golden, StringComparison.Ordinal);
    }

    private static string ReadGolden(string type) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Events", "Golden", type + ".json")).ReplaceLineEndings("\n").TrimEnd('\n');

    private static string SourceGoldenDir([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Golden");
}
