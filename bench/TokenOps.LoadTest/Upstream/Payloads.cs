using System.Text;

namespace TokenOps.LoadTest.Upstream;

/// <summary>
/// The fixed wire bytes of the fake OpenAI upstream, built once: a ~1 KB chat.completion JSON with
/// usage, and an SSE stream of <see cref="SseContentEvents"/> content chunks + a usage chunk + [DONE]
/// (the shape of https://platform.openai.com/docs/api-reference/chat-streaming with
/// stream_options.include_usage). The client side uses the same constants to verify that a proxy
/// passed every byte through.
/// </summary>
internal static class Payloads
{
    public const int SseContentEvents = 64;

    /// <summary>Content events + usage event + [DONE].</summary>
    public const int SseTotalEvents = SseContentEvents + 2;

    public static readonly byte[] JsonBody = BuildJsonBody();

    /// <summary>Status line + headers + body of the non-streaming response, sent with one write.</summary>
    public static readonly byte[] JsonResponse = BuildJsonResponse();

    /// <summary>The SSE events (each "data: …\n\n"), without HTTP framing.</summary>
    public static readonly byte[][] SseEvents = BuildSseEvents();

    /// <summary>Per-write frames of the chunked SSE response: [0] carries the headers and the first event,
    /// the last carries [DONE] and the terminating zero-length chunk.</summary>
    public static readonly byte[][] SseFrames = BuildSseFrames();

    public static readonly int SseBodyLength = SumLengths(SseEvents);

    private static byte[] BuildJsonBody()
    {
        var content = new StringBuilder();
        while (content.Length < 620)
        {
            content.Append("The quick brown fox jumps over the lazy dog while the proxy meters every token. ");
        }

        var json = "{\"id\":\"chatcmpl-bench0000000000000000000001\",\"object\":\"chat.completion\",\"created\":1732700000," +
                   "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" +
                   content + "\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}]," +
                   "\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":128,\"total_tokens\":170," +
                   "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0}," +
                   "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}," +
                   "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_bench\"}";
        return Encoding.UTF8.GetBytes(json);
    }

    private static byte[] BuildJsonResponse()
    {
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: req_bench\r\n" +
                   "openai-processing-ms: 1\r\nContent-Length: " + JsonBody.Length + "\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. JsonBody];
    }

    private static byte[][] BuildSseEvents()
    {
        var events = new byte[SseTotalEvents][];
        const string Prefix = "data: {\"id\":\"chatcmpl-bench0000000000000000000001\",\"object\":\"chat.completion.chunk\"," +
                              "\"created\":1732700000,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_bench\",\"choices\":[";
        for (var i = 0; i < SseContentEvents; i++)
        {
            var finish = i == SseContentEvents - 1 ? "\"stop\"" : "null";
            var delta = i == 0 ? "{\"role\":\"assistant\",\"content\":\"\"}" : "{\"content\":\" token" + i + "\"}";
            events[i] = Encoding.UTF8.GetBytes(Prefix + "{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finish + "}],\"usage\":null}\n\n");
        }

        events[SseContentEvents] = Encoding.UTF8.GetBytes(Prefix + "],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":63,\"total_tokens\":105," +
                                                          "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n");
        events[SseContentEvents + 1] = "data: [DONE]\n\n"u8.ToArray();
        return events;
    }

    private static byte[][] BuildSseFrames()
    {
        var frames = new byte[SseEvents.Length][];
        var head = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n" +
                                           "Cache-Control: no-cache\r\nx-request-id: req_bench\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (var i = 0; i < SseEvents.Length; i++)
        {
            byte[] chunk = [.. Encoding.ASCII.GetBytes(SseEvents[i].Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"), .. SseEvents[i], .. "\r\n"u8];
            frames[i] = i == 0 ? [.. head, .. chunk]
                : i == SseEvents.Length - 1 ? [.. chunk, .. "0\r\n\r\n"u8]
                : chunk;
        }

        return frames;
    }

    private static int SumLengths(byte[][] parts)
    {
        var total = 0;
        foreach (var part in parts)
        {
            total += part.Length;
        }

        return total;
    }
}
