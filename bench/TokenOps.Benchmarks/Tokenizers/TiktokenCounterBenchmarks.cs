using BenchmarkDotNet.Attributes;
using Microsoft.ML.Tokenizers;
using TokenOps.Benchmarks.Infrastructure;
using TokenOps.Tokenizers.Bpe;

namespace TokenOps.Benchmarks.Tokenizers;

/// <summary>
/// The compact o200k counter (src/TokenOps.Tokenizers/Bpe) against the Microsoft.ML.Tokenizers <c>TiktokenTokenizer</c>
/// it replaced (baseline), counting a 1 KB chat turn and a 32 KB agent context of mixed prose, code, JSON and
/// non-Latin text. Both give the same count (checked in setup). The same text is counted on every iteration, which
/// flatters the baseline: its LRU cache then holds every short multi-token piece; the compact counter has no cache.
/// </summary>
[MemoryDiagnoser]
public class TiktokenCounterBenchmarks
{
    private TiktokenTokenizer _microsoft = null!;
    private TiktokenCounter _compact = null!;
    private string _text = "";

    [Params(1024, 32 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _microsoft = TiktokenTokenizer.CreateForEncoding("o200k_base");
        _compact = TiktokenCounter.Load(TiktokenEncoding.O200kBase);
        _text = Payloads.MixedText(Size);
        if (_microsoft.CountTokens(_text) != _compact.CountTokens(_text))
        {
            throw new InvalidOperationException("The compact counter disagrees with Microsoft.ML.Tokenizers on the benchmark text.");
        }
    }

    [Benchmark(Baseline = true)]
    public int Microsoft() => _microsoft.CountTokens(_text);

    [Benchmark]
    public int Compact() => _compact.CountTokens(_text);
}
