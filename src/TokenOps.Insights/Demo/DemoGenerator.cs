using TokenOps.Core.Events;
using TokenOps.Core.Pricing;

namespace TokenOps.Insights.Demo;

/// <summary>
/// Synthetic but realistic traffic for <c>tokenops demo</c>: several providers and models, workflows/agents/sessions,
/// provider prompt caching, TokenOps cache hits, reasoning, a weekday/weekend pattern with a mild upward trend, a few
/// errors and one unpriced fine-tune, plus scripted workflows that the waste detector flags (DemoGenerator.Scenarios.cs).
/// Every envelope is tagged <c>source=demo</c> and costed by the real <see cref="CostCalculator"/>. Deterministic for a
/// given seed and end time.
/// </summary>
public sealed partial class DemoGenerator(CostCalculator calculator)
{
    public const int DefaultSeed = 20251127;

    /// <summary>Mean requests on a weekday at the start of the range.</summary>
    private const double BaseDailyRequests = 120;

    private static readonly ModelProfile[] Models =
    [
        new(Providers.OpenAI, "gpt-4o-mini-2024-07-18", 0.22, 1500, 350, 0.0, 0.3, false, "chat", "/v1/chat/completions"),
        new(Providers.OpenAI, "gpt-5-2025-08-07", 0.08, 4000, 1400, 0.6, 0.4, false, "responses", "/v1/responses"),
        new(Providers.OpenAI, "o4-mini-2025-04-16", 0.05, 2500, 1800, 0.7, 0.2, false, "chat", "/v1/chat/completions"),
        new(Providers.OpenAI, "text-embedding-3-small", 0.10, 800, 0, 0.0, 0.0, false, "embeddings", "/v1/embeddings"),
        new(Providers.Anthropic, "claude-sonnet-4-5-20250929", 0.20, 6000, 700, 0.1, 0.6, true, "messages", "/v1/messages"),
        new(Providers.Anthropic, "claude-haiku-4-5-20251001", 0.12, 2500, 300, 0.0, 0.5, true, "messages", "/v1/messages"),
        new(Providers.Gemini, "gemini-2.5-flash", 0.15, 3000, 600, 0.3, 0.2, false, "generateContent", "/v1beta/models/gemini-2.5-flash:generateContent"),
        new(Providers.Gemini, "gemini-2.5-pro", 0.075, 12000, 1500, 0.5, 0.2, false, "streamGenerateContent", "/v1beta/models/gemini-2.5-pro:streamGenerateContent"),
        new(Providers.OpenAI, "ft:gpt-4o-mini:acme::demo", 0.005, 1200, 200, 0.0, 0.0, false, "chat", "/v1/chat/completions"),
    ];

    private static readonly (string Workflow, string[] Agents)[] Workflows =
    [
        ("support-bot", ["triage", "responder"]),
        ("code-review", ["reviewer", "summarizer"]),
        ("rag-search", ["retriever", "answerer"]),
        ("nightly-report", ["writer"]),
    ];

    /// <summary>Generates <paramref name="days"/> days of traffic ending at <paramref name="end"/> (today's part stops at <paramref name="end"/>).</summary>
    public IReadOnlyList<Envelope> Generate(int days, DateTimeOffset end, int seed = DefaultSeed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(days, 366);
        var random = new Random(seed);
        var endUtc = end.ToUniversalTime();
        var firstDay = DateOnly.FromDateTime(endUtc.UtcDateTime).AddDays(-(days - 1));
        var result = new List<Envelope>(days * (int)BaseDailyRequests);
        string? session = null;
        var sessionLeft = 0;
        for (var dayIndex = 0; dayIndex < days; dayIndex++)
        {
            var day = firstDay.AddDays(dayIndex);
            var weekday = day.DayOfWeek switch { DayOfWeek.Saturday => 0.45, DayOfWeek.Sunday => 0.35, _ => 1.0 };
            var trend = 1 + 0.02 * dayIndex;
            var count = (int)Math.Round(BaseDailyRequests * weekday * trend * (0.85 + 0.3 * random.NextDouble()));
            var dayStart = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var times = new long[count];
            for (var i = 0; i < count; i++)
            {
                // Office-hours shaped: the mean of three uniforms peaks mid-day.
                var hour = 24 * (random.NextDouble() + random.NextDouble() + random.NextDouble()) / 3;
                times[i] = dayStart.AddHours(hour).ToUnixTimeMilliseconds();
            }

            Array.Sort(times);
            foreach (var ms in times)
            {
                var at = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                if (at > endUtc)
                {
                    break;
                }

                if (sessionLeft-- <= 0)
                {
                    session = "sess-" + random.Next(0x100000, 0xFFFFFF).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
                    sessionLeft = random.Next(4, 20);
                }

                result.Add(NextEnvelope(random, at, session!));
            }
        }

        // Oldest first (a stable sort keeps the random traffic's order among equal timestamps).
        result.AddRange(Scenarios(new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), endUtc, seed));
        return [.. result.OrderBy(static e => e.Timestamp)];
    }

    private Envelope NextEnvelope(Random random, DateTimeOffset at, string session)
    {
        var profile = Pick(random);
        var e = new PromptEvent
        {
            Provider = profile.Provider,
            Operation = profile.Operation,
            Method = "POST",
            Path = profile.Path,
            RequestModel = profile.Provider == Providers.Gemini ? profile.Model : Canonical(profile.Model),
            ResponseModel = profile.Model,
            Stream = random.NextDouble() < 0.4,
            StartedAt = at,
            UsageSource = UsageSources.Provider,
            StatusCode = 200,
            PromptHash = Hex(random, 32),
            ResponseId = "demo_" + Hex(random, 12),
        };

        var w = random.Next(Workflows.Length + 1);
        if (w < Workflows.Length)
        {
            e.WorkflowId = Workflows[w].Workflow;
            e.AgentId = Workflows[w].Agents[random.Next(Workflows[w].Agents.Length)];
            e.SessionId = session;
        }

        var errorRoll = random.NextDouble();
        if (errorRoll < 0.02)
        {
            // Rate limits and overloads happen: no usage, not billed.
            e.StatusCode = profile.Provider == Providers.Anthropic ? 529 : errorRoll < 0.012 ? 429 : 500;
            e.ErrorType = e.StatusCode == 429 ? "rate_limit_error" : "overloaded_error";
            e.LatencyMs = 150 + random.Next(400);
            e.UsageSource = UsageSources.Unavailable;
            calculator.Stamp(e);
            return WithId(Envelope.ForPrompt(e, EventSources.Demo), random);
        }

        var input = Tokens(random, profile.Input);
        if (profile.Model.StartsWith("gemini-2.5-pro", StringComparison.Ordinal) && random.NextDouble() < 0.03)
        {
            input = 200_000 + random.Next(100_000); // long-context tier
        }

        var output = profile.Output == 0 ? 0 : Tokens(random, profile.Output);
        e.InputTokens = input;
        e.OutputTokens = output;
        e.ReasoningTokens = profile.ReasoningShare > 0 ? (long)(output * profile.ReasoningShare) : null;
        if (profile.CacheShare > 0 && random.NextDouble() < 0.7)
        {
            e.CachedInputTokens = (long)(input * profile.CacheShare * random.NextDouble());
        }

        if (profile.CacheWrites && random.NextDouble() < 0.15)
        {
            var writes = (long)((input - (e.CachedInputTokens ?? 0)) * 0.5);
            e.CacheWriteInputTokens = writes;
            if (random.NextDouble() < 0.3)
            {
                e.CacheWrite1hInputTokens = writes;
                e.CacheWrite5mInputTokens = 0;
            }
            else
            {
                e.CacheWrite5mInputTokens = writes;
                e.CacheWrite1hInputTokens = 0;
            }
        }

        e.CacheHit = profile.Output > 0 && random.NextDouble() < 0.07;
        e.LatencyMs = e.CacheHit ? 2 + random.NextDouble() * 3 : 300 + output * (8 + random.NextDouble() * 10) + input * 0.02;
        e.TimeToFirstByteMs = e.CacheHit ? 1 : 150 + random.NextDouble() * 600 + (e.ReasoningTokens ?? 0) * 5;
        e.TimeToFirstTokenMs = e.TimeToFirstByteMs + (e.Stream ? 20 : 0);
        e.FinishReason = profile.Provider switch { Providers.Anthropic => "end_turn", Providers.Gemini => "STOP", _ => "stop" };
        e.RequestBytes = input * 4;
        e.ResponseBytes = output * 4 + 200;
        e.EstimatedInputTokens = (int)Math.Min(int.MaxValue, input - random.Next(0, Math.Max(1, (int)(input / 50))));
        calculator.Stamp(e);
        return WithId(Envelope.ForPrompt(e, EventSources.Demo), random);
    }

    /// <summary>A UUIDv7 whose random part comes from the seeded generator, so ids are deterministic too.</summary>
    private static Envelope WithId(Envelope envelope, Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        var ms = envelope.Timestamp.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Envelope
        {
            Id = new Guid(bytes, bigEndian: true).ToString(),
            Type = envelope.Type,
            Timestamp = envelope.Timestamp,
            Source = envelope.Source,
            Prompt = envelope.Prompt,
        };
    }

    private static ModelProfile Pick(Random random)
    {
        var roll = random.NextDouble();
        double total = 0;
        foreach (var m in Models)
        {
            total += m.Weight;
        }

        roll *= total;
        foreach (var m in Models)
        {
            roll -= m.Weight;
            if (roll <= 0)
            {
                return m;
            }
        }

        return Models[0];
    }

    /// <summary>Log-normal-ish token counts around the mean.</summary>
    private static long Tokens(Random random, int mean) =>
        Math.Max(1, (long)(mean * Math.Exp((random.NextDouble() + random.NextDouble() - 1) * 1.2)));

    private static string Canonical(string model)
    {
        var match = RateCard.Embedded.Find(Providers.OpenAI, model) ?? RateCard.Embedded.Find(Providers.Anthropic, model);
        return match?.Row.Model ?? model;
    }

    private static string Hex(Random random, int bytes)
    {
        Span<byte> buffer = stackalloc byte[bytes];
        random.NextBytes(buffer);
        return Convert.ToHexStringLower(buffer);
    }

    private sealed record ModelProfile(
        string Provider, string Model, double Weight, int Input, int Output, double ReasoningShare, double CacheShare,
        bool CacheWrites, string Operation, string Path);
}
