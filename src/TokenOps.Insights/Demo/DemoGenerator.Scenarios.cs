using TokenOps.Core.Events;

namespace TokenOps.Insights.Demo;

/// <summary>
/// Scripted demo workflows that show what <c>tokenops waste</c> and <c>tokenops coach</c> find: the random traffic alone
/// has unique prompts, no conversation fingerprints and no tools, so it would trigger almost nothing. Each scenario is a
/// pattern seen in real agent traffic, placed in the last three hours before the demo's end (so the default 7-day
/// reports include it), with its own seeded generator so the random traffic stays exactly what it was.
/// </summary>
public sealed partial class DemoGenerator
{
    /// <summary>How long before the end the scripted workflows start.</summary>
    private static readonly TimeSpan ScenarioLead = TimeSpan.FromHours(3);

    private static readonly ScenarioModel Sonnet = new(Providers.Anthropic, "claude-sonnet-4-5-20250929", "messages", "/v1/messages", "end_turn");
    private static readonly ScenarioModel Opus = new(Providers.Anthropic, "claude-opus-4-1-20250805", "messages", "/v1/messages", "end_turn");
    private static readonly ScenarioModel Gpt4o = new(Providers.OpenAI, "gpt-4o-2024-08-06", "chat", "/v1/chat/completions", "stop");
    private static readonly ScenarioModel Gpt41 = new(Providers.OpenAI, "gpt-4.1-2025-04-14", "chat", "/v1/chat/completions", "stop");
    private static readonly ScenarioModel Gpt5 = new(Providers.OpenAI, "gpt-5-2025-08-07", "responses", "/v1/responses", "completed");
    private static readonly ScenarioModel GeminiPro = new(Providers.Gemini, "gemini-2.5-pro", "generateContent", "/v1beta/models/gemini-2.5-pro:generateContent", "STOP");

    /// <summary>
    /// The scripted workflows, oldest first; events before the first generated day or after <paramref name="end"/> are left out.
    /// Triggers: runaway_context_growth, prompt_cache_missed and agent_loop (a coding agent), output_truncated (a long
    /// report), expensive_model_trivial (ticket triage on a top-tier model), repeated_request (a digest job run six times),
    /// retry_storm (429s without backoff), unused_tools (a docs Q&amp;A session sending 14 tools it never calls) and
    /// oversized_context (a whole contract sent to Gemini).
    /// </summary>
    private List<Envelope> Scenarios(DateTimeOffset firstDayStart, DateTimeOffset end, int seed)
    {
        var random = new Random(unchecked(seed * 31 + 7));
        var start = end - ScenarioLead < firstDayStart ? firstDayStart : end - ScenarioLead;
        var events = new List<Envelope>();
        CodingAgent(random, start, events);
        LongReport(random, start.AddMinutes(20), events);
        TicketTriage(random, start, events);
        DigestJob(random, start.AddMinutes(30), events);
        RetryStorm(random, start.AddMinutes(90), events);
        DocsSession(random, start.AddMinutes(100), events);
        ContractReview(random, start.AddMinutes(115), events);
        events.RemoveAll(e => e.Timestamp > end);
        return events;
    }

    /// <summary>
    /// An Anthropic coding agent without <c>cache_control</c>: 12 turns, each re-sending the whole history plus a new tool
    /// result (6k → 45k tokens, never compacted, 0 cached tokens), and four turns in a row re-running the same failing test.
    /// </summary>
    private void CodingAgent(Random random, DateTimeOffset at, List<Envelope> events)
    {
        const int Turns = 12;
        string? parent = null;
        long context = 6_200;
        var loopHash = Hex(random, 16); // run_tests {"path": "tests/"} — same name and arguments
        for (var turn = 0; turn < Turns; turn++)
        {
            var messages = Hex(random, 32);
            var e = Scripted(random, Sonnet, at, context, 250 + random.Next(350));
            e.AgentId = "coder";
            e.MessageCount = 1 + 2 * turn;
            e.MessagesHash = messages;
            e.ParentMessagesHash = parent;
            e.ToolCount = 9;
            e.ToolDefinitionTokens = 2_100;
            e.ToolCallCount = turn;
            e.LastToolCallHash = turn == 0 ? null : turn is >= 6 and <= 9 ? loopHash : Hex(random, 16);
            e.FinishReason = turn == Turns - 1 ? "end_turn" : "tool_use";
            events.Add(Finish(e, random));
            parent = messages;
            context += 2_500 + random.Next(2_000);
            at = at.AddSeconds(35 + random.Next(20));
        }
    }

    /// <summary>A long report cut off twice by <c>max_tokens: 1024</c> and continued, each time re-sending the whole prompt.</summary>
    private void LongReport(Random random, DateTimeOffset at, List<Envelope> events)
    {
        string? parent = null;
        long context = 14_000;
        for (var turn = 0; turn < 3; turn++)
        {
            var messages = Hex(random, 32);
            var truncated = turn < 2;
            var e = Scripted(random, Gpt4o, at, context, truncated ? 1_024 : 610);
            e.MaxTokens = 1_024;
            e.MessageCount = 2 + 2 * turn;
            e.MessagesHash = messages;
            e.ParentMessagesHash = parent;
            e.FinishReason = truncated ? "length" : "stop";
            events.Add(Finish(e, random));
            parent = messages;
            context += 1_024 + 16;
            at = at.AddSeconds(50 + random.Next(30));
        }
    }

    /// <summary>Support-ticket classification (a few hundred tokens in, a label out) sent to a top-tier model, every few minutes.</summary>
    private void TicketTriage(Random random, DateTimeOffset at, List<Envelope> events)
    {
        for (var i = 0; i < 24; i++)
        {
            var e = Scripted(random, Opus, at, 180 + random.Next(270), 5 + random.Next(35));
            e.AgentId = "triage";
            e.MessageCount = 2;
            e.MessagesHash = Hex(random, 32);
            events.Add(Finish(e, random));
            at = at.AddMinutes(5 + random.Next(3));
        }
    }

    /// <summary>A digest job that a misconfigured scheduler ran six times in 40 minutes: the identical request, paid for each time.</summary>
    private void DigestJob(Random random, DateTimeOffset at, List<Envelope> events)
    {
        var prompt = Hex(random, 32);
        var messages = Hex(random, 32);
        for (var i = 0; i < 6; i++)
        {
            var e = Scripted(random, Gpt5, at, 3_800, 850 + random.Next(100));
            e.PromptHash = prompt;
            e.MessageCount = 2;
            e.MessagesHash = messages;
            e.CachedInputTokens = i == 0 ? 0 : 3_712; // OpenAI caches the identical prefix, the answer is still paid again
            events.Add(Finish(e, random));
            at = at.AddMinutes(7 + random.Next(2));
        }
    }

    /// <summary>Five 429s of the same request within seconds (no backoff, Retry-After ignored), then the attempt that succeeds.</summary>
    private void RetryStorm(Random random, DateTimeOffset at, List<Envelope> events)
    {
        var prompt = Hex(random, 32);
        for (var i = 0; i < 6; i++)
        {
            var e = Scripted(random, Gpt5, at, 5_200, 700);
            e.PromptHash = prompt;
            e.MessageCount = 3;
            if (i < 5)
            {
                e.StatusCode = 429;
                e.ErrorType = "rate_limit_error";
                e.UsageSource = UsageSources.Unavailable;
                e.InputTokens = null;
                e.OutputTokens = null;
                e.FinishReason = null;
                e.LatencyMs = 120 + random.Next(200);
                e.TimeToFirstByteMs = e.LatencyMs;
                e.TimeToFirstTokenMs = null;
                calculator.Stamp(e);
                events.Add(WithId(Envelope.ForPrompt(e, EventSources.Demo), random));
            }
            else
            {
                events.Add(Finish(e, random));
            }

            at = at.AddMilliseconds(900 + random.Next(1_500));
        }
    }

    /// <summary>A docs Q&amp;A session (session header) that sends 14 tool schemas on every turn; the model never calls one.</summary>
    private void DocsSession(Random random, DateTimeOffset at, List<Envelope> events)
    {
        string? parent = null;
        long context = 4_100;
        for (var turn = 0; turn < 5; turn++)
        {
            var messages = Hex(random, 32);
            var e = Scripted(random, Gpt41, at, context, 300 + random.Next(300));
            e.SessionId = "sess-docs-qa";
            e.MessageCount = 2 + 2 * turn;
            e.MessagesHash = messages;
            e.ParentMessagesHash = parent;
            e.ToolCount = 14;
            e.ToolDefinitionTokens = 3_400;
            e.ToolCallCount = 0;
            events.Add(Finish(e, random));
            parent = messages;
            context += 500 + random.Next(300);
            at = at.AddSeconds(60 + random.Next(60));
        }
    }

    /// <summary>A whole 400-page contract pasted into one Gemini prompt.</summary>
    private void ContractReview(Random random, DateTimeOffset at, List<Envelope> events)
    {
        var e = Scripted(random, GeminiPro, at, 412_000, 2_200);
        e.MessageCount = 1;
        e.MessagesHash = Hex(random, 32);
        events.Add(Finish(e, random));
    }

    /// <summary>A successful scripted request with provider-reported usage; the caller sets the workflow-specific fields.</summary>
    private static PromptEvent Scripted(Random random, ScenarioModel model, DateTimeOffset at, long input, long output) => new()
    {
        Provider = model.Provider,
        Operation = model.Operation,
        Method = "POST",
        Path = model.Path,
        RequestModel = model.Provider == Providers.Gemini ? model.Model : Canonical(model.Model),
        ResponseModel = model.Model,
        StartedAt = at,
        UsageSource = UsageSources.Provider,
        StatusCode = 200,
        PromptHash = Hex(random, 32),
        ResponseId = "demo_" + Hex(random, 12),
        InputTokens = input,
        OutputTokens = output,
        CachedInputTokens = 0,
        FinishReason = model.FinishReason,
        EstimatedInputTokens = (int)Math.Min(int.MaxValue, input - random.Next(0, Math.Max(1, (int)(input / 50)))),
    };

    /// <summary>Latency and sizes from the usage, the cost from the real calculator, and a deterministic id.</summary>
    private Envelope Finish(PromptEvent e, Random random)
    {
        var input = e.InputTokens ?? 0;
        var output = e.OutputTokens ?? 0;
        e.LatencyMs = 300 + output * (8 + random.NextDouble() * 10) + input * 0.02;
        e.TimeToFirstByteMs = 150 + random.NextDouble() * 600;
        e.TimeToFirstTokenMs = e.TimeToFirstByteMs;
        e.RequestBytes = input * 4;
        e.ResponseBytes = output * 4 + 200;
        calculator.Stamp(e);
        return WithId(Envelope.ForPrompt(e, EventSources.Demo), random);
    }

    private sealed record ScenarioModel(string Provider, string Model, string Operation, string Path, string FinishReason);
}
