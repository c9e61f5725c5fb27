using System.Globalization;
using System.Text;

namespace TokenOps.Tokenizers.Tests;

public sealed class TokenCountMemoTests
{
    /// <summary>
    /// More distinct texts than the memo has slots, and more characters than its ring holds, each counted twice: every
    /// answer (first count, hit, or a text whose slot or ring space was taken since) equals the encoding's own count.
    /// </summary>
    [Theory]
    [InlineData(TokenizerKind.O200kBase)]
    [InlineData(TokenizerKind.Cl100kBase)]
    public void Count_ThroughSlotCollisionsAndRingWraps_AlwaysEqualsTheEncodingsCount(TokenizerKind kind)
    {
        var encoding = TokenizerRegistry.Encoding(kind);
        var texts = new string[3 * TokenCountMemo.MaxEntries];
        var random = new Random(7);
        var totalChars = 0L;
        for (var i = 0; i < texts.Length; i++)
        {
            var sb = new StringBuilder("message ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(':');
            var words = random.Next(8, 60);
            for (var w = 0; w < words; w++)
            {
                sb.Append(' ').Append((char)('a' + random.Next(26))).Append(random.Next(1000).ToString(CultureInfo.InvariantCulture));
            }

            texts[i] = sb.ToString();
            totalChars += texts[i].Length;
        }

        Assert.True(totalChars > TokenCountMemo.MaxTotalChars / 4);
        for (var round = 0; round < 4; round++)
        {
            for (var i = 0; i < texts.Length; i++)
            {
                // Same-length texts that differ only in content share slots by chance; all must still be exact.
                var text = texts[(i * 7919 + round) % texts.Length];
                Assert.Equal(encoding.CountTokens(text), TokenCountMemo.Count(kind, text));
                Assert.Equal(encoding.CountTokens(text), TokenCountMemo.Count(kind, text));
            }
        }
    }

    [Fact]
    public void Count_LongTexts_WrapTheRingAndStayExact()
    {
        var encoding = TokenizerRegistry.Encoding(TokenizerKind.O200kBase);
        // 40 texts of 60k characters: more than the ring, so texts are overwritten and must be counted again.
        var texts = Enumerable.Range(0, 40).Select(i => string.Concat(Enumerable.Repeat("word" + i.ToString(CultureInfo.InvariantCulture) + " ", 10_000))[..60_000]).ToArray();
        Assert.True(texts.Sum(t => (long)t.Length) > TokenCountMemo.MaxTotalChars);
        for (var round = 0; round < 2; round++)
        {
            foreach (var text in texts)
            {
                Assert.Equal(encoding.CountTokens(text), TokenCountMemo.Count(TokenizerKind.O200kBase, text));
            }
        }
    }

    [Fact]
    public void Count_Hit_AllocatesNothing()
    {
        var text = "A system prompt that an agent resends with every single turn of its loop.";
        var expected = TokenCountMemo.Count(TokenizerKind.O200kBase, text);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = 0;
        for (var i = 0; i < 100; i++)
        {
            count = TokenCountMemo.Count(TokenizerKind.O200kBase, text);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(expected, count);
    }
}
