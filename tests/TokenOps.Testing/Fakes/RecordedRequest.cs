namespace TokenOps.Testing.Fakes;

/// <summary>One request as the fake upstream received it.</summary>
public sealed class RecordedRequest
{
    private readonly TaskCompletionSource<bool> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public required string Method { get; init; }

    /// <summary>Raw path as received (percent-encoding preserved), without the query.</summary>
    public required string Path { get; init; }

    /// <summary>Raw query including '?', or "".</summary>
    public required string Query { get; init; }

    /// <summary>Headers, case-insensitive; multiple values joined with ", ".</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public long BodyLength { get; internal set; }

    /// <summary>Lowercase hex sha256 of the body received.</summary>
    public string BodySha256 { get; internal set; } = "";

    /// <summary>The body when it was at most <see cref="FakeUpstream.MaxRecordedBodyBytes"/>, else null.</summary>
    public byte[]? Body { get; internal set; }

    /// <summary>Completes true when the client (the proxy) aborted the exchange, false when the response completed.</summary>
    public Task<bool> Aborted => _ended.Task;

    internal void End(bool aborted) => _ended.TrySetResult(aborted);

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}
