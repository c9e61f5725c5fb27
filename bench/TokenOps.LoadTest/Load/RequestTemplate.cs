using System.Text;

namespace TokenOps.LoadTest.Load;

/// <summary>
/// A prebuilt OpenAI chat-completions request (headers + JSON body) with a 12-digit counter inside the
/// user message. Every send writes a fresh counter into the caller's copy, so every request body is
/// unique: a response cache keyed on the body always misses (we measure the miss path, the one every
/// new prompt takes), and the bytes on the wire are the same length for every request.
/// </summary>
internal sealed class RequestTemplate
{
    private const string Placeholder = "000000000000";
    private static long _counter;

    private readonly byte[] _bytes;
    private readonly int _counterOffset;

    public RequestTemplate(string host, string path, bool stream)
    {
        var body = "{\"model\":\"gpt-4o-mini\",\"messages\":[" +
                   "{\"role\":\"system\",\"content\":\"You are a terse assistant that answers in one line.\"}," +
                   "{\"role\":\"user\",\"content\":\"Summarise benchmark request " + Placeholder +
                   " in one line, mentioning latency, throughput and the cost of observation.\"}]," +
                   "\"max_tokens\":128,\"temperature\":0" +
                   (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : ",\"stream\":false") + "}";
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: tokenops-loadtest\r\n" +
                   "Accept: " + (stream ? "text/event-stream" : "application/json") + "\r\n" +
                   "Content-Type: application/json\r\nAuthorization: Bearer sk-bench-not-a-real-key\r\n" +
                   "Content-Length: " + bodyBytes.Length + "\r\n\r\n";
        var headBytes = Encoding.ASCII.GetBytes(head);
        _bytes = [.. headBytes, .. bodyBytes];
        _counterOffset = headBytes.Length + body.IndexOf(Placeholder, StringComparison.Ordinal);
        Stream = stream;
    }

    public bool Stream { get; }

    public int Length => _bytes.Length;

    /// <summary>A private copy for one connection (each connection patches its own bytes).</summary>
    public byte[] CreateBuffer() => (byte[])_bytes.Clone();

    /// <summary>Writes the next global counter value into <paramref name="buffer"/> (a copy from <see cref="CreateBuffer"/>).</summary>
    public void Stamp(byte[] buffer)
    {
        var value = Interlocked.Increment(ref _counter);
        for (var i = _counterOffset + Placeholder.Length - 1; i >= _counterOffset; i--)
        {
            buffer[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
