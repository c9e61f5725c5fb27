using TokenOps.Core.Bus;
using TokenOps.Core.Events;
using TokenOps.Core.Pricing;
using TokenOps.Insights.Demo;
using TokenOps.Insights.Waste;
using TokenOps.Insights.Workflow;

namespace TokenOps.Insights.Tests.Demo;

public sealed class DemoGeneratorTests
{
    private static readonly DateTimeOffset End = new(2026, 11, 20, 18, 0, 0, TimeSpan.Zero);
    private static readonly DemoGenerator Generator = new(new CostCalculator(RateCard.Embedded));

    [Fact]
    public void Generate_SameSeed_IdenticalOutput()
    {
        var a = Generator.Generate(14, End, seed: 1);
        var b = Generator.Generate(14, End, seed: 1);
        var c = Generator.Generate(14, End, seed: 2);

        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.Select(e => (e.Id, e.Timestamp, e.Prompt!.ResponseModel, e.Prompt.CostUsd)), b.Select(e => (e.Id, e.Timestamp, e.Prompt!.ResponseModel, e.Prompt.CostUsd)));
        Assert.NotEqual(a.Select(e => e.Id), c.Select(e => e.Id));
    }

    [Fact]
    public void Generate_Shape_IsRealisticAndTaggedDemo()
    {
        var events = Generator.Generate(28, End);

        Assert.InRange(events.Count, 28 * 50, 28 * 200);
        Assert.All(events, e =>
        {
            Assert.Equal(EventSources.Demo, e.Source);
            Assert.Equal(EventTypes.Prompt, e.Type);
            Assert.True(e.Timestamp <= End && e.Timestamp > End.AddDays(-28));
            Assert.Equal(e.Timestamp, e.Prompt!.StartedAt);
            Assert.Equal('7', e.Id[14]); // UUIDv7
        });
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        var prompts = events.Select(e => e.Prompt!).ToList();
        Assert.Equal(3, prompts.Select(p => p.Provider).Distinct().Count());
        Assert.True(prompts.Select(p => p.ResponseModel).Distinct().Count() >= 8);
        Assert.True(prompts.Count(p => p.CacheHit) > 0 && prompts.Where(p => p.CacheHit).All(p => p.CostUsd == 0 && p.SavedUsd > 0));
        Assert.Contains(prompts, p => p.StatusCode >= 400 && p.CostUsd == 0);
        Assert.Contains(prompts, p => p.PricingStatus == PricingStatuses.Unpriced && p.CostUsd is null);
        Assert.Contains(prompts, p => p.CacheWrite1hInputTokens > 0);
        Assert.Contains(prompts, p => p.CachedInputTokens > 0);
        Assert.Contains(prompts, p => p.ReasoningTokens > 0);
        Assert.Contains(prompts, p => p.InputTokens > 200_000); // long-context tier
        Assert.Equal(4, prompts.Where(p => p.WorkflowId is not null).Select(p => p.WorkflowId).Distinct().Count());
        Assert.All(prompts.Where(p => p.PricingStatus == PricingStatuses.Priced && !p.CacheHit && p.StatusCode == 200),
            p => Assert.True(p.CostUsd > 0));

        // Weekly pattern: an average weekend day has well under a weekday's traffic.
        var byDay = events.GroupBy(e => e.Timestamp.UtcDateTime.Date).Where(g => g.Key < End.UtcDateTime.Date).ToList();
        var weekend = byDay.Where(g => g.Key.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday).Average(g => g.Count());
        var weekday = byDay.Where(g => g.Key.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).Average(g => g.Count());
        Assert.True(weekend < weekday * 0.6, $"weekend {weekend} vs weekday {weekday}");
    }

    [Fact]
    public void Generate_ScriptedWorkflows_TriggerTheWasteRulesWithDollarsSaved()
    {
        var events = Generator.Generate(7, End);
        var rows = events.Where(e => e.Timestamp > End.AddDays(-7)).Select(e => StepRow.FromPrompt(e.Id, e.Prompt!, e.Source)).ToList();

        var findings = new WasteDetector(new WasteThresholds(), RateCard.Embedded, new WorkflowOptions()).Detect(rows);

        var saved = findings.GroupBy(f => f.Kind).ToDictionary(g => g.Key, g => g.Sum(f => f.EstimatedUsdSaved));
        Assert.All(
            new[]
            {
                WasteKinds.RunawayContextGrowth, WasteKinds.PromptCacheMissed, WasteKinds.AgentLoop, WasteKinds.OutputTruncated,
                WasteKinds.ExpensiveModelTrivial, WasteKinds.RepeatedRequest, WasteKinds.UnusedTools, WasteKinds.OversizedContext,
            },
            kind => Assert.True(saved.GetValueOrDefault(kind) > 0, kind));
        Assert.Contains(WasteKinds.RetryStorm, saved.Keys);
        // Scripted workflows sit in the last three hours; the random workflows keep their four explicit ids.
        Assert.All(events.Where(e => e.Prompt!.SessionId == "sess-docs-qa"), e => Assert.InRange(e.Timestamp, End.AddHours(-3), End));
    }

    [Fact]
    public void Generate_EndJustAfterMidnight_ScriptedEventsStayInsideTheRange()
    {
        var end = new DateTimeOffset(2026, 11, 20, 0, 30, 0, TimeSpan.Zero);

        var events = Generator.Generate(1, end);

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.InRange(e.Timestamp, new DateTimeOffset(end.UtcDateTime.Date, TimeSpan.Zero), end));
        Assert.Equal(events.OrderBy(e => e.Timestamp).Select(e => e.Id), events.Select(e => e.Id));
    }

    [Fact]
    public async Task WriteToSinkAsync_WritesAllInBatchesAndFlushes()
    {
        var events = Generator.Generate(14, End);
        var sink = new RecordingSink();

        var written = await DemoSeeder.WriteToSinkAsync(events, sink, CancellationToken.None);

        Assert.Equal(events.Count, written);
        Assert.Equal(events.Count, sink.Batches.Sum(b => b.Count));
        Assert.All(sink.Batches, b => Assert.True(b.Count <= DemoSeeder.BatchSize));
        Assert.Equal((events.Count + DemoSeeder.BatchSize - 1) / DemoSeeder.BatchSize, sink.Batches.Count);
        Assert.Equal(1, sink.Flushes);
    }

    private sealed class RecordingSink : IEventSink
    {
        public List<IReadOnlyList<Envelope>> Batches { get; } = [];

        public int Flushes { get; private set; }

        public string Name => "recording";

        public ValueTask WriteBatchAsync(IReadOnlyList<Envelope> batch, CancellationToken cancellationToken)
        {
            Batches.Add(batch.ToArray());
            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            Flushes++;
            return ValueTask.CompletedTask;
        }
    }
}
