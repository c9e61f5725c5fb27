using System.Text.Json;
using TokenOps.Core.Events;
using TokenOps.Core.Json;

namespace TokenOps.Core.Tests.Events;

public sealed class EnvelopeJsonTests
{
    [Fact]
    public void Deserialize_PayloadBeforeType_ReadsPayloadByType()
    {
        const string json = """
            {"payload":{"workflow_id":"wf-2","state":"failed","step_count":3,"input_tokens":10,"output_tokens":2,"cached_input_tokens":0,
             "first_timestamp":"2025-06-01T12:00:00+00:00","last_timestamp":"2025-06-01T12:01:00+00:00"},
             "id":"x1","schema_version":"1.0.0","type":"workflow","timestamp":"2025-06-01T12:01:00+00:00","source":"daemon"}
            """;

        var envelope = EnvelopeJson.Deserialize(json);

        Assert.Equal("wf-2", envelope.Workflow!.WorkflowId);
        Assert.Equal(WorkflowStates.Failed, envelope.Workflow.State);
        Assert.Equal(3, envelope.Workflow.StepCount);
        Assert.Null(envelope.Prompt);
    }

    [Fact]
    public void Deserialize_SameMajorNewerMinorWithUnknownFieldsAndType_IsAccepted()
    {
        const string json = """
            {"id":"x2","schema_version":"1.7.0","type":"budget_alert","timestamp":"2025-06-01T12:00:00+00:00",
             "source":"daemon","new_top_level":{"a":[1,2]},"payload":{"anything":true}}
            """;

        var envelope = EnvelopeJson.Deserialize(json);

        Assert.Equal("budget_alert", envelope.Type);
        Assert.Equal("1.7.0", envelope.SchemaVersion);
        Assert.Null(envelope.Prompt);
        Assert.Null(envelope.Coaching);
    }

    [Fact]
    public void Deserialize_UnknownPayloadField_IsIgnored()
    {
        const string json = """
            {"id":"x3","schema_version":"1.1.0","type":"coaching","timestamp":"2025-06-01T12:00:00+00:00","source":"daemon",
             "payload":{"kind":"k","severity":"critical","summary":"s","added_in_1_1":42}}
            """;

        var envelope = EnvelopeJson.Deserialize(json);

        Assert.Equal(CoachingSeverities.Critical, envelope.Coaching!.Severity);
    }

    [Theory]
    [InlineData("2.0.0")]
    [InlineData("0.9.0")]
    [InlineData("banana")]
    public void Deserialize_OtherMajorVersion_ThrowsNamingTheVersion(string version)
    {
        var json = $$$"""{"id":"x4","schema_version":"{{{version}}}","type":"prompt","timestamp":"2025-06-01T12:00:00+00:00","source":"proxy","payload":{}}""";

        var ex = Assert.Throws<JsonException>(() => EnvelopeJson.Deserialize(json));

        Assert.Contains(version, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_MissingId_Throws()
    {
        const string json = """{"schema_version":"1.0.0","type":"prompt","timestamp":"2025-06-01T12:00:00+00:00","payload":{}}""";

        Assert.Throws<JsonException>(() => EnvelopeJson.Deserialize(json));
    }

    [Fact]
    public void Serialize_TypeWithoutMatchingPayload_Throws()
    {
        var envelope = new Envelope { Type = EventTypes.Coaching, Timestamp = SampleEnvelopes.Time, Prompt = new PromptEvent() };

        Assert.Throws<JsonException>(() => EnvelopeJson.Serialize(envelope));
    }

    [Fact]
    public void Serialize_UnpricedPrompt_OmitsNullCostInsteadOfZero()
    {
        var envelope = Envelope.ForPrompt(new PromptEvent { Provider = Providers.OpenAI, StartedAt = SampleEnvelopes.Time, PricingStatus = "unpriced" });

        var json = EnvelopeJson.Serialize(envelope);

        Assert.DoesNotContain("cost_usd", json, StringComparison.Ordinal);
        Assert.Contains("\"pricing_status\":\"unpriced\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"attributes\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ForPrompt_NewEnvelope_HasUuidV7IdAndCurrentVersion()
    {
        var envelope = Envelope.ForPrompt(new PromptEvent { StartedAt = SampleEnvelopes.Time });

        Assert.Equal(7, Guid.Parse(envelope.Id).Version);
        Assert.Equal(Envelope.CurrentSchemaVersion, envelope.SchemaVersion);
        Assert.Equal(SampleEnvelopes.Time, envelope.Timestamp);
    }

    [Theory]
    [InlineData("1.0.0", 1)]
    [InlineData("12.3.4", 12)]
    [InlineData("3", 3)]
    [InlineData("", -1)]
    [InlineData("x.1", -1)]
    [InlineData("-1.0.0", -1)]
    public void ParseMajor_Versions_ReturnsMajorOrMinusOne(string version, int expected) =>
        Assert.Equal(expected, Envelope.ParseMajor(version));
}
