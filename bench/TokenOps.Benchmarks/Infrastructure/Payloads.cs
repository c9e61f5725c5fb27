using System.Text;
using System.Text.Json;

namespace TokenOps.Benchmarks.Infrastructure;

/// <summary>Realistic request bodies and recorded provider responses shared by the benchmarks.</summary>
internal static class Payloads
{
    private static readonly string[] Words =
    [
        "the", "request", "proxy", "token", "stream", "usage", "model", "latency", "budget", "cache", "prompt", "context",
        "response", "provider", "function", "parameter", "retrieval", "document", "summary", "customer", "invoice", "error",
        "configuration", "deployment", "kubernetes", "database", "transaction", "analysis", "quarterly", "revenue", "growth",
        "2026", "v1.4.2", "user_id", "{\"k\": 1}", "https://example.com/docs", "naïve", "café", "résumé", "🙂", "→", "λ",
    ];

    /// <summary>
    /// An OpenAI chat request of about <paramref name="bytes"/> bytes: a system prompt, a short exchange, and a long
    /// user turn of pseudo-random prose (fixed seed, so every run tokenizes the same text; varied words so the
    /// tokenizer's word cache does not flatter it).
    /// </summary>
    public static byte[] ChatRequest(int bytes, string model = "gpt-4o")
    {
        var random = new Random(42);
        var text = new StringBuilder(bytes);
        var sentence = 0;
        while (text.Length < Math.Max(64, bytes - 400))
        {
            text.Append(Words[random.Next(Words.Length)]);
            if (++sentence % 14 == 0)
            {
                text.Append(". ");
                if (sentence % 70 == 0)
                {
                    text.Append('\n');
                }
            }
            else
            {
                text.Append(' ');
            }
        }

        using var stream = new MemoryStream(bytes + 512);
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteStartArray("messages");
            Message(writer, "system", "You are a concise assistant for an operations team. Answer in plain text.");
            Message(writer, "user", "Summarise the incident report below.");
            Message(writer, "assistant", "Please paste the report.");
            Message(writer, "user", text.ToString());
            writer.WriteEndArray();
            writer.WriteNumber("max_tokens", 512);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// <paramref name="chars"/> characters of what prompts are made of, in fixed pseudo-random order: prose, code,
    /// JSON, a log line, numbers, contractions, non-Latin scripts, emoji, runs of whitespace.
    /// </summary>
    public static string MixedText(int chars)
    {
        string[] parts =
        [
            "The deployment failed because the database migration timed out after 30 seconds. ",
            "We'll retry it tonight; I'm not sure it isn't the connection pool. ",
            "public async Task<int> CountAsync(CancellationToken ct) => await _db.Orders.CountAsync(ct);\n",
            "    if (response.StatusCode != 200) {\n        throw new HttpRequestException(\"failed\");\n    }\n",
            "{\"id\": 4127, \"name\": \"invoice-2026-03\", \"amount\": 1249.95, \"paid\": false, \"tags\": [\"q1\", \"eu\"]}\n",
            "2026-03-14T09:26:53.589Z WARN  [pool-3] connection pool exhausted (64/64), retrying in 100 ms\n",
            "Revenue grew 12.4% quarter over quarter to $3,481,920 across 17 regions. ",
            "東京の天気は晴れです。 Привет, как дела? مرحبا بالعالم नमस्ते 🙂👍🏽 naïve café → λ ",
            "\n\n## Summary\n\n- first point\n- second point\n\t\tindented   trailing   \n",
        ];

        var random = new Random(42);
        var text = new StringBuilder(chars + 128);
        while (text.Length < chars)
        {
            text.Append(parts[random.Next(parts.Length)]);
            text.Append(Words[random.Next(Words.Length)]).Append(' ');
        }

        return text.ToString(0, chars);
    }

    /// <summary>
    /// An agent-style OpenAI chat request (~12 KB) with something for every optimizer to look at: a long system
    /// prompt, several turns, a retrieval dump of three documents, the same tool result pasted twice, and a log
    /// excerpt with repeated lines.
    /// </summary>
    public static byte[] AgentChatRequest()
    {
        var random = new Random(7);
        string Prose(int words)
        {
            var text = new StringBuilder(words * 8);
            for (var i = 0; i < words; i++)
            {
                text.Append(Words[random.Next(Words.Length)]).Append(i % 15 == 14 ? ". " : " ");
            }

            return text.ToString();
        }

        var toolResult = "Tool result: " + Prose(160);
        var retrieval = new StringBuilder("Relevant documents:\n\n");
        for (var d = 1; d <= 3; d++)
        {
            retrieval.Append("[Document ").Append(d).Append("]\n").Append(Prose(450)).Append("\n\n");
        }

        var log = new StringBuilder("Log excerpt:\n");
        for (var i = 0; i < 20; i++)
        {
            log.Append("WARN connection pool exhausted, retrying in 100 ms\n");
        }

        using var stream = new MemoryStream(16 * 1024);
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("model", "gpt-4o");
            writer.WriteStartArray("messages");
            Message(writer, "system", "You are an operations assistant. " + Prose(120));
            Message(writer, "user", "Why did the nightly job fail? " + log);
            Message(writer, "assistant", "Let me look at the job history. " + Prose(40));
            Message(writer, "user", toolResult);
            Message(writer, "assistant", "The job timed out talking to the database. " + Prose(30));
            Message(writer, "user", toolResult);
            Message(writer, "user", retrieval + "Given these documents, what should we change?");
            writer.WriteEndArray();
            writer.WriteNumber("max_tokens", 1024);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>A golden provider response from tests/TokenOps.Proxy.Tests/Fixtures (recorded shapes, checked by the usage tests).</summary>
    public static byte[] Fixture(string relativePath) =>
        File.ReadAllBytes(Path.Combine(RepoRoot(), "tests", "TokenOps.Proxy.Tests", "Fixtures", relativePath));

    /// <summary>Splits an SSE body into one chunk per event, the way the forwarder relays a paced stream.</summary>
    public static byte[][] SseEvents(byte[] body)
    {
        var events = new List<byte[]>();
        var span = body.AsSpan();
        while (!span.IsEmpty)
        {
            var end = span.IndexOf("\n\n"u8);
            var length = end < 0 ? span.Length : end + 2;
            events.Add(span[..length].ToArray());
            span = span[length..];
        }

        return [.. events];
    }

    public static string RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TokenOps.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Run the benchmarks from inside the repository (TokenOps.sln not found).");
    }

    private static void Message(Utf8JsonWriter writer, string role, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }
}
