using System.Text;
using TokenOps.Tokenizers.Bpe;

namespace TokenOps.Tokenizers.Tests.Bpe;

public sealed class RankTableTests
{
    private static RankTable Load(string text) => RankTable.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));

    private static string B64(string token) => Convert.ToBase64String(Encoding.UTF8.GetBytes(token));

    [Fact]
    public void Load_LineNumberFormatWithCapacityAndCrlf_RanksAreLineNumbers()
    {
        var table = Load($"Capacity: 3\r\n{B64("a")}\r\n{B64("b")}\r\n{B64("ab")}\r\n");

        Assert.Equal(0, table.Rank("a"u8));
        Assert.Equal(1, table.Rank("b"u8));
        Assert.Equal(2, table.Rank("ab"u8));
        Assert.Equal(-1, table.Rank("ba"u8));
        Assert.Equal(-1, table.Rank("abc"u8));
        Assert.Equal(-1, table.Rank(""u8));
    }

    [Fact]
    public void Load_EmptyLineInsideLineNumberFormat_LeavesARankWithoutToken()
    {
        var table = Load($"{B64("a")}\n\n{B64("b")}");

        Assert.Equal(0, table.Rank("a"u8));
        Assert.Equal(2, table.Rank("b"u8));
        Assert.True(table.Token(1).IsEmpty);
    }

    [Fact]
    public void Load_Base64RankFormat_UsesExplicitRanksAndFillsGaps()
    {
        var table = Load($"{B64("x")} 0\n{B64("yy")} 5\n{B64("zzz")} 6\n");

        Assert.Equal(7, table.Count);
        Assert.Equal(0, table.Rank("x"u8));
        Assert.Equal(5, table.Rank("yy"u8));
        Assert.Equal(6, table.Rank("zzz"u8));
        Assert.True(table.Token(3).IsEmpty);
    }

    [Theory]
    [InlineData("Capacity: x\nYQ==\n")]
    [InlineData("YQ== 1\nYg== 0\n")]
    [InlineData("YQ== 0\nYg==\n")]
    [InlineData("!!!!\n")]
    public void Load_MalformedVocabulary_Throws(string text) =>
        Assert.Throws<InvalidDataException>(() => Load(text));

    [Theory]
    [InlineData(TokenizerKind.O200kBase, 199_998)]
    [InlineData(TokenizerKind.Cl100kBase, 100_256)]
    public void Rank_EveryToken_FoundAtItsOwnRankAndOneByteMoreMisses(TokenizerKind kind, int tokens)
    {
        // Through the real vocabulary: every token is found from its slot, and a byte more is never mistaken for it
        // (a tag or length mix-up would show here).
        var ranks = TokenizerRegistry.Encoding(kind).Ranks;
        var buffer = new byte[256];
        var found = 0;
        for (var rank = 0; rank < ranks.Count; rank++)
        {
            var token = ranks.Token(rank);
            if (token.IsEmpty)
            {
                continue;
            }

            Assert.Equal(rank, ranks.Rank(token));
            token.CopyTo(buffer);
            buffer[token.Length] = 0xFF; // never in UTF-8 text, so in no merged token
            Assert.Equal(-1, ranks.Rank(buffer.AsSpan(0, token.Length + 1)));
            found++;
        }

        Assert.Equal(tokens, found);
    }
}
