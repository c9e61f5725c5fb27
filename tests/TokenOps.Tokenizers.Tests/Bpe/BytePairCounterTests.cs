using System.Text;
using TokenOps.Tokenizers.Bpe;

namespace TokenOps.Tokenizers.Tests.Bpe;

/// <summary>The two merge implementations must agree: the stack scan for short pieces, the heap for long ones.</summary>
public sealed class BytePairCounterTests
{
    [Theory]
    [InlineData(TokenizerKind.O200kBase)]
    [InlineData(TokenizerKind.Cl100kBase)]
    public void Count_EveryTokenOfTheVocabulary_MergesBackToOneTokenBothWays(TokenizerKind kind)
    {
        // Also why the whole-piece lookup before the merge is only a shortcut: no token's bytes merge to more than it.
        var ranks = TokenizerRegistry.Encoding(kind).Ranks;
        for (var rank = 0; rank < ranks.Count; rank++)
        {
            var token = ranks.Token(rank);
            if (!token.IsEmpty)
            {
                Assert.Equal(1, BytePairCounter.CountQuadratic(token, ranks));
                Assert.Equal(1, BytePairCounter.CountHeap(token, ranks));
            }
        }
    }

    [Theory]
    [InlineData(TokenizerKind.O200kBase)]
    [InlineData(TokenizerKind.Cl100kBase)]
    public void Count_RandomTextSlicesUpToTheScanLimit_HeapMatchesScan(TokenizerKind kind)
    {
        var ranks = TokenizerRegistry.Encoding(kind).Ranks;
        var utf8 = Encoding.UTF8.GetBytes(string.Concat(EquivalenceCorpus.Random(seed: 3, count: 300)));
        var random = new Random(4);
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(2, BytePairCounter.MaxQuadraticBytes + 1);
            var start = random.Next(utf8.Length - length);
            var piece = utf8.AsSpan(start, length);
            Assert.Equal(BytePairCounter.CountQuadratic(piece, ranks), BytePairCounter.CountHeap(piece, ranks));
        }
    }

    [Fact]
    public void Count_EqualRanksSideBySide_LeftmostMergesFirst()
    {
        // Ranks a=0 b=1 aa=2 aab=3. "aaab" has "aa" twice: leftmost first gives [aa][a][b] (no "aaa", no "ab"): 3;
        // rightmost first would give [a][aa][b] -> [a][aab]: 2. tiktoken (and Microsoft) take the leftmost.
        var table = RankTable.Load(new MemoryStream("YQ==\nYg==\nYWE=\nYWFi\n"u8.ToArray()));

        Assert.Equal(3, BytePairCounter.CountQuadratic("aaab"u8, table));
        Assert.Equal(3, BytePairCounter.CountHeap("aaab"u8, table));
        Assert.Equal(1, BytePairCounter.Count("aab"u8, table)); // what the rightmost order would have reached
        Assert.Equal(0, BytePairCounter.Count(""u8, table));
    }

    [Fact]
    public void Count_LongPiece_TakesTheHeapPathWithTheSameResult()
    {
        var table = RankTable.Load(new MemoryStream("YQ==\nYg==\nYWE=\nYWFi\n"u8.ToArray()));
        var piece = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("aaab", 100)));

        // 100 x [aa][a][b], except that each [b] is followed by the next "aa": no pair other than "aa" ever merges.
        Assert.Equal(300, BytePairCounter.Count(piece, table));
        Assert.Equal(300, BytePairCounter.CountHeap(piece, table));
    }
}
