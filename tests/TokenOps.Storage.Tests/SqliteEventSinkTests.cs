using System.Text;
using TokenOps.Core.Events;
using TokenOps.Core.Json;

namespace TokenOps.Storage.Tests;

public sealed class SqliteEventSinkTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void WriteBatch_Batch_InsertsAllAndReinsertIsIgnored()
    {
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        using var sink = store.CreateSink();
        var batch = new Envelope[200];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = TestStore.Prompt(Now.AddSeconds(i));
        }

        var optimization = Envelope.ForOptimization(new OptimizationEvent { Kind = "dedupe", Decision = OptimizationDecisions.Applied }, Now);

        TestStore.Write(sink, [.. batch, optimization]);
        TestStore.Write(sink, batch[0], batch[199], optimization, TestStore.Prompt(Now.AddHours(1)));

        Assert.Equal(201 + 1, sink.Inserted);
        Assert.Equal(201, temp.Count("prompt_events"));
        Assert.Equal(1, temp.Count("events"));
    }

    [Fact]
    public void WriteBatch_EveryPromptField_RoundTripsThroughTheStore()
    {
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        using var sink = store.CreateSink();
        var expected = FullPrompt();

        TestStore.Write(sink, expected);
        using var queries = store.OpenQueries();
        var actual = queries.GetPrompt(expected.Id);

        Assert.NotNull(actual);
        // Serializing both through the envelope JSON compares every payload field, attributes and metadata.
        Assert.Equal(EnvelopeJson.Serialize(expected, indented: true), EnvelopeJson.Serialize(actual, indented: true));
        var bodies = queries.ReadCapturedBodies(expected.Id);
        Assert.NotNull(bodies);
        Assert.Equal(expected.Prompt!.CapturedRequestBody, bodies.Request);
        Assert.Equal(expected.Prompt.CapturedResponseBody, bodies.Response);
        Assert.Null(queries.GetPrompt("missing"));
        Assert.Null(queries.ReadCapturedBodies("missing"));
    }

    [Fact]
    public void WriteBatch_EmptyAndMissingValues_StayEmptyAndNull()
    {
        // Values are bound straight from the strings and arrays: an empty one must stay empty (not NULL), a missing one
        // NULL (not "").
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        using var sink = store.CreateSink();
        var envelope = TestStore.Prompt(Now, model: "");
        envelope.Prompt!.ResponseModel = null;
        envelope.Prompt.SessionId = "";
        envelope.Prompt.AgentId = null;
        envelope.Prompt.CapturedRequestBody = [];

        TestStore.Write(sink, envelope);

        Assert.Equal("", temp.Scalar("SELECT request_model FROM prompt_events"));
        Assert.Equal("", temp.Scalar("SELECT model FROM prompt_events"));
        Assert.Equal("", temp.Scalar("SELECT session_id FROM prompt_events"));
        Assert.Equal(DBNull.Value, temp.Scalar("SELECT agent_id FROM prompt_events"));
        Assert.Equal(DBNull.Value, temp.Scalar("SELECT response_model FROM prompt_events"));
        Assert.Equal("text", temp.Scalar("SELECT typeof(session_id) FROM prompt_events"));
        Assert.Equal("blob", temp.Scalar("SELECT typeof(request_body) FROM prompt_events"));
    }

    [Fact]
    public void WriteBatch_ModelColumn_IsResponseModelElseRequestModel()
    {
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        using var sink = store.CreateSink();
        var onlyRequest = TestStore.Prompt(Now, model: "gpt-4o");
        var withResponse = TestStore.Prompt(Now.AddSeconds(1), model: "gpt-4o");
        withResponse.Prompt!.ResponseModel = "gpt-4o-2024-08-06";

        TestStore.Write(sink, onlyRequest, withResponse);
        using var queries = store.OpenQueries();
        var rows = queries.Recent();

        Assert.Equal(["gpt-4o-2024-08-06", "gpt-4o"], rows.Select(r => r.Model));
    }

    [Fact]
    public void WriteBatch_NonPromptTypes_StoredAsEnvelopeJsonWithFilterColumns()
    {
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        using var sink = store.CreateSink();
        var workflow = Envelope.ForWorkflow(new WorkflowEvent { WorkflowId = "wf-9", State = WorkflowStates.Completed, StepCount = 4, CostUsd = 0.25m, FirstTimestamp = Now, LastTimestamp = Now }, Now);
        var coaching = Envelope.ForCoaching(new CoachingEvent { Kind = "oversized_model", Severity = CoachingSeverities.Warning, Summary = "s", EvidenceEventIds = ["a", "b"] }, Now.AddMinutes(1));
        var unknown = new Envelope { Type = "future_type", Timestamp = Now };

        TestStore.Write(sink, workflow, coaching, unknown);
        using var queries = store.OpenQueries();

        var workflows = queries.RecentEvents(EventTypes.Workflow);
        var stored = Assert.Single(workflows);
        Assert.Equal(workflow.Id, stored.Id);
        Assert.Equal(4, stored.Workflow!.StepCount);
        Assert.Equal(0.25m, stored.Workflow.CostUsd);
        Assert.Equal(["a", "b"], Assert.Single(queries.RecentEvents(EventTypes.Coaching)).Coaching!.EvidenceEventIds!);
        Assert.Equal(2, temp.Count("events"));
        var stats = queries.Stats();
        Assert.Equal(1, stats.CountsByType[EventTypes.Workflow]);
        Assert.Equal(1, stats.CountsByType[EventTypes.Coaching]);
    }

    [Fact]
    public async Task FlushAsync_AfterWrites_CheckpointsWalIntoTheDatabase()
    {
        using var temp = new TestStore();
        using var store = SqliteEventStore.Open(temp.Options(retentionDays: 0));
        using var sink = store.CreateSink();
        TestStore.Write(sink, TestStore.Prompt(Now));
        Assert.True(new FileInfo(temp.DbPath + "-wal").Length > 0);

        await sink.FlushAsync(CancellationToken.None);

        Assert.Equal(0, new FileInfo(temp.DbPath + "-wal").Length);
        Assert.Equal(1, temp.Count("prompt_events"));
    }

    internal static Envelope FullPrompt() => new()
    {
        Id = Guid.CreateVersion7().ToString(),
        Type = EventTypes.Prompt,
        Timestamp = Now,
        Source = EventSources.Replay,
        Attributes = new Dictionary<string, string> { ["team"] = "search", ["run"] = "7" },
        Prompt = new PromptEvent
        {
            Provider = Providers.Anthropic,
            Operation = "messages",
            Method = "POST",
            Path = "/v1/messages",
            PromptHash = "ab12",
            RequestModel = "claude-sonnet-4-5",
            Stream = true,
            MaxTokens = 2048,
            MessageCount = 5,
            EstimatedInputTokens = 1234,
            Tokenizer = "estimate:anthropic",
            TokenizerExact = false,
            RequestBytes = 4096,
            WorkflowId = "wf",
            AgentId = "agent",
            SessionId = "session",
            UserId = "user",
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            SpanId = "00f067aa0ba902b7",
            CredentialHash = "c0ffee",
            StatusCode = 529,
            ResponseModel = "claude-sonnet-4-5-20250929",
            ResponseId = "msg_1",
            FinishReason = "max_tokens",
            ErrorType = "overloaded_error",
            ErrorCode = "529",
            ProxyError = "UpstreamBodyFailed",
            InputTokens = 1500,
            OutputTokens = 300,
            CachedInputTokens = 1000,
            CacheWriteInputTokens = 200,
            CacheWrite5mInputTokens = 120,
            CacheWrite1hInputTokens = 80,
            ReasoningTokens = 50,
            UsageSource = UsageSources.Provider,
            ResponseBytes = 8192,
            StartedAt = Now,
            LatencyMs = 1234.5,
            TimeToFirstByteMs = 101.25,
            TimeToFirstTokenMs = 202.5,
            CacheHit = true,
            CostUsd = 0.012345m,
            InputCostUsd = 0.0045m,
            OutputCostUsd = 0.0045m,
            CachedInputCostUsd = 0.0003m,
            CacheWriteCostUsd = 0.003045m,
            SavedUsd = 0.02m,
            PricingStatus = "priced",
            RateCardVersion = "2025-06-01",
            CapturedRequestBody = Encoding.UTF8.GetBytes("{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"héllo\"}]}"),
            CapturedResponseBody = Encoding.UTF8.GetBytes("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"),
        },
    };
}
