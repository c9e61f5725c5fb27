using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace TokenOps.Benchmarks.Observation;

/// <summary>
/// The observer's <c>prompt_hash</c>: sha256 of the request body as it streams upstream. One-shot over a
/// contiguous body (baseline) vs <see cref="IncrementalHash"/> fed the chunks the forwarder sees (the
/// tap never buffers the body), and the cost of turning the digest into the stored lowercase hex.
/// </summary>
[MemoryDiagnoser]
public class RequestHashBenchmarks
{
    private readonly byte[] _hash = new byte[SHA256.HashSizeInBytes];
    private readonly char[] _hex = new char[SHA256.HashSizeInBytes * 2];
    private byte[] _body = [];
    private IncrementalHash _incremental = null!;

    /// <summary>1 KB chat turn, 32 KB agent context, 256 KB long-context prompt.</summary>
    [Params(1024, 32 * 1024, 256 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // JSON-looking ASCII, like a real request body (sha256 cost does not depend on content, but
        // keep the bytes realistic for anyone extending this class with a parser).
        var pattern = "{\"role\":\"user\",\"content\":\"The quick brown fox jumps over the lazy dog.\"},"u8;
        _body = new byte[Size];
        for (var i = 0; i < Size; i++)
        {
            _body[i] = pattern[i % pattern.Length];
        }

        _incremental = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    }

    [GlobalCleanup]
    public void Cleanup() => _incremental.Dispose();

    [Benchmark(Baseline = true)]
    public byte OneShot()
    {
        SHA256.HashData(_body, _hash);
        return _hash[0];
    }

    /// <summary>Kestrel hands request bodies over in pieces of a few KB; 4 KB is the pessimistic case.</summary>
    [Benchmark]
    public byte Incremental4KChunks() => HashInChunks(4 * 1024);

    [Benchmark]
    public byte Incremental16KChunks() => HashInChunks(16 * 1024);

    /// <summary>Digest + lowercase hex into a reused buffer: what the hot path can do for free.</summary>
    [Benchmark]
    public char OneShotHexIntoBuffer()
    {
        SHA256.HashData(_body, _hash);
        _ = Convert.TryToHexStringLower(_hash, _hex, out _);
        return _hex[0];
    }

    /// <summary>Digest + a new hex string (PromptEvent.PromptHash is a string): the one allocation we accept, off the forwarding loop.</summary>
    [Benchmark]
    public string OneShotHexString()
    {
        SHA256.HashData(_body, _hash);
        return Convert.ToHexStringLower(_hash);
    }

    private byte HashInChunks(int chunk)
    {
        var body = _body.AsSpan();
        for (var offset = 0; offset < body.Length; offset += chunk)
        {
            _incremental.AppendData(body.Slice(offset, Math.Min(chunk, body.Length - offset)));
        }

        _incremental.GetHashAndReset(_hash);
        return _hash[0];
    }
}
