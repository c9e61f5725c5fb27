using System.Text.Json.Nodes;
using TokenOps.Optimizer.Tests.PromptCacheHint;
using TokenOps.Optimizer.Tests.RetrievalPrune;

namespace TokenOps.Optimizer.Tests.Eval;

/// <summary>One corpus prompt: a provider request body, as an SDK would send it.</summary>
internal sealed record EvalPrompt(string Provider, string Template, string Session, string Model, JsonObject Body);

/// <summary>
/// The eval corpus: ≥ 30 realistic prompts per provider, generated deterministically from six templates × 5 variants
/// (seeded, so the numbers in the report are reproducible): chat with pasted logs, code review with fenced code, RAG with
/// numbered chunks, long agent loops with tool calls, a long repeated system prompt across a session, and a user pasting
/// the same spec twice.
/// </summary>
internal static class EvalCorpus
{
    public const int Variants = 5;

    private static readonly string[] Services = ["billing-api", "auth-gateway", "search-indexer", "payments-worker", "email-sender"];
    private static readonly string[] Errors = ["connection refused", "timeout after 30s", "TLS handshake failed", "pool exhausted", "503 from upstream"];

    public static IReadOnlyList<EvalPrompt> Build()
    {
        var prompts = new List<EvalPrompt>();
        foreach (var provider in new[] { "openai", "anthropic", "gemini" })
        {
            for (var v = 0; v < Variants; v++)
            {
                prompts.Add(Make(provider, "pasted_logs", "logs-" + v, Logs(v)));
                prompts.Add(Make(provider, "code_review", "review-" + v, CodeReview(v)));
                prompts.Add(Make(provider, "rag_chunks", "rag-" + v, Rag(v)));
                prompts.Add(Loop(provider, v));
                prompts.Add(Make(provider, "repeated_system", "support-session", SupportQuestion(v), system: SupportSystem(provider)));
                prompts.Add(Make(provider, "duplicate_paste", "dup-" + v, null, duplicate: v));
            }
        }

        return prompts;
    }

    private static string Model(string provider) => provider switch
    {
        "anthropic" => "claude-sonnet-4-5",
        "gemini" => "gemini-2.5-pro",
        _ => "gpt-4o",
    };

    private static string Logs(int v)
    {
        var rnd = new Random(100 + v);
        var lines = new List<string> { "Our   deploy   of   " + Services[v] + "   keeps   failing.   Here   are   the   logs:", "", "", "" };
        for (var i = 0; i < 40; i++)
        {
            var error = Errors[rnd.Next(Errors.Length)];
            var repeat = rnd.Next(1, 4);
            for (var r = 0; r < repeat; r++)
            {
                lines.Add($"ERROR   {Services[v]}   {error}   (attempt   {i})   ");
            }

            if (i % 10 == 0)
            {
                lines.Add("<!-- pasted from kibana export, do not share -->");
                lines.Add("");
                lines.Add("");
            }
        }

        lines.Add("");
        lines.Add("");
        lines.Add("What   is   the   most   likely   root   cause   and   how   do   I   fix   it?");
        return string.Join('\n', lines);
    }

    private static string CodeReview(int v) =>
        "Can   you   review   this   function?   It   is   part   of   " + Services[v] + ".\n\n\n\n" +
        "```csharp\npublic static int Retry(Func<int> op, int attempts)\n{\n    for (var i = 0; i < attempts; i++)\n    {\n        try   {   return op();   }\n" +
        "        catch (Exception)   when (i < attempts - 1)\n        {\n            Thread.Sleep(100 * i);\n        }\n    }\n\n\n    return -1;\n}\n```\n\n\n\n" +
        "I   think   the   \u201Cbackoff\u201D   is   wrong   and   the   \u2018-1\u2019   sentinel   is   ugly.    " +
        string.Concat(Enumerable.Repeat("Please   also   check   naming,   error   handling   and   whether   the   loop   bounds   are   right.   ", 6 + v));

    private static string Rag(int v)
    {
        var topics = RetrievalPrunerTests.Topics;
        var questions = new[]
        {
            "How many days do I have to request a refund?",
            "How long does express shipping take and what does it cost?",
            "Does the warranty cover water damage?",
            "When do loyalty points expire?",
            "Can I exchange a gift card for cash?",
        };
        var lines = new List<string> { "Answer using only the retrieved documents below.", "" };
        for (var i = 0; i < 10; i++)
        {
            var topic = topics[(i + v) % topics.Length];
            lines.Add($"[{i + 1}] Source: kb/article-{(i * 37) + v}.md");
            lines.Add(string.Join(' ', Enumerable.Repeat(topic, 2)));
            lines.Add("");
        }

        lines.Add("Question: " + questions[v]);
        return string.Join('\n', lines);
    }

    internal static string SupportSystem(string provider)
    {
        var system = CacheHintOptimizerTests.LongSystem(130);
        // OpenAI/Gemini apps often put the date first, which defeats automatic prefix caching.
        return provider == "anthropic" ? system : "Current date: 2026-11-27 09:14 UTC\n" + system;
    }

    private static string SupportQuestion(int v) => $"Hi, where is my order {1000 + v}? It was supposed to arrive yesterday.";

    private static string Spec(int v) =>
        $"Service {Services[v]} must expose /healthz and /readyz, log in JSON to stderr, read its config from environment variables " +
        "prefixed with the service name, retry idempotent upstream calls three times with exponential backoff and jitter, " +
        "emit RED metrics per endpoint, propagate W3C trace context on every outgoing call, refuse to start when a required " +
        "secret is missing, and shut down gracefully within twenty seconds after SIGTERM while draining in-flight requests. " +
        "Every public endpoint validates its input against the OpenAPI schema, returns problem+json errors with a stable code, " +
        "and is rate limited per API key with a token bucket of sixty requests per minute. Database migrations run as a separate " +
        "job before the rollout, are forward-only, and must be backwards compatible with the previous release for one week.";

    private static EvalPrompt Make(string provider, string template, string session, string? user, string? system = null, int duplicate = -1)
    {
        var turns = new List<(string Role, string Text)>();
        if (duplicate >= 0)
        {
            turns.Add(("user", "Here is the spec for the new service:\n\n" + Spec(duplicate)));
            turns.Add(("assistant", "Thanks, I have read the spec. What would you like me to do with it?"));
            // The same paste twice (the chat UI lost the first one for the user), then the real request.
            turns.Add(("user", "Here is the spec for the new service:\n\n" + Spec(duplicate)));
            turns.Add(("assistant", "Got it."));
            turns.Add(("user", "Sorry for the double paste. Write a checklist for the code review of this service."));
        }
        else
        {
            turns.Add(("user", user!));
        }

        return new EvalPrompt(provider, template, session, Model(provider), Body(provider, system, turns));
    }

    private static JsonObject Body(string provider, string? system, List<(string Role, string Text)> turns)
    {
        switch (provider)
        {
            case "anthropic":
                {
                    var messages = new JsonArray();
                    foreach (var (role, text) in turns)
                    {
                        messages.Add((JsonNode)new JsonObject { ["role"] = role, ["content"] = text });
                    }

                    var body = new JsonObject { ["model"] = Model(provider), ["max_tokens"] = 1024 };
                    if (system is not null)
                    {
                        body["system"] = system;
                    }

                    body["messages"] = messages;
                    return body;
                }

            case "gemini":
                {
                    var contents = new JsonArray();
                    foreach (var (role, text) in turns)
                    {
                        contents.Add((JsonNode)new JsonObject { ["role"] = role == "assistant" ? "model" : "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = text }) });
                    }

                    var body = new JsonObject { ["contents"] = contents };
                    if (system is not null)
                    {
                        body["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = system }) };
                    }

                    return body;
                }

            default:
                {
                    var messages = new JsonArray();
                    if (system is not null)
                    {
                        messages.Add((JsonNode)new JsonObject { ["role"] = "system", ["content"] = system });
                    }

                    foreach (var (role, text) in turns)
                    {
                        messages.Add((JsonNode)new JsonObject { ["role"] = role, ["content"] = text });
                    }

                    return new JsonObject { ["model"] = Model(provider), ["messages"] = messages };
                }
        }
    }

    /// <summary>A long agent loop (10–18 turns) with tool calls, one tool result repeated verbatim (the agent re-read a file).</summary>
    private static EvalPrompt Loop(string provider, int v)
    {
        var turns = 10 + (2 * v);
        var json = provider switch
        {
            "anthropic" => ContextTrim.ContextTrimmerTests.AnthropicLoop(turns),
            "gemini" => ContextTrim.ContextTrimmerTests.GeminiLoop(turns),
            _ => v % 2 == 0 ? ContextTrim.ContextTrimmerTests.OpenAILoop(turns) : ContextTrim.ContextTrimmerTests.ResponsesLoop(turns),
        };
        var body = (JsonObject)JsonNode.Parse(json)!;
        if (provider == "gemini")
        {
            body.Remove("model");
        }
        else
        {
            body["model"] = Model(provider);
        }

        return new EvalPrompt(provider, "agent_loop", "loop-" + v, Model(provider), body);
    }
}
