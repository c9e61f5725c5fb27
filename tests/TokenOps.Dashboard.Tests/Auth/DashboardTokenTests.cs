namespace TokenOps.Dashboard.Tests.Auth;

public sealed class DashboardTokenTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "tokenops-token-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void LoadOrCreate_FirstCall_MintsOwnerOnlyFileAndLaterCallsReuseIt()
    {
        var first = DashboardToken.LoadOrCreate(_home);
        var second = DashboardToken.LoadOrCreate(_home);
        var path = Path.Combine(_home, DashboardToken.FileName);

        Assert.Equal(first, second);
        Assert.Equal(43, first.Length); // 32 bytes, base64url without padding
        Assert.Matches("^[A-Za-z0-9_-]+$", first);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(first, File.ReadAllText(path).Trim());
        Assert.Single(Directory.GetFiles(_home)); // no temp file left behind
    }

    [Fact]
    public void LoadOrCreate_DifferentHomes_DifferentTokens()
    {
        var other = _home + "-b";
        try
        {
            Assert.NotEqual(DashboardToken.LoadOrCreate(_home), DashboardToken.LoadOrCreate(other));
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public void LoadOrCreate_TruncatedFile_IsReplaced()
    {
        Directory.CreateDirectory(_home);
        File.WriteAllText(Path.Combine(_home, DashboardToken.FileName), "short");

        var token = DashboardToken.LoadOrCreate(_home);

        Assert.Equal(43, token.Length);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("abc", false)]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", true)]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFH", false)]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGx", false)]
    public void Matches_OnlyTheExactToken(string presented, bool expected) =>
        Assert.Equal(expected, DashboardToken.Matches("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", presented));

    [Fact]
    public void Mint_256RandomBits_Base64Url_NeverRepeats()
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 200; i++)
        {
            var token = DashboardToken.Mint();
            Assert.Equal(43, token.Length); // 32 bytes, base64url without padding
            Assert.DoesNotContain('+', token);
            Assert.DoesNotContain('/', token);
            Assert.DoesNotContain('=', token);
            Assert.True(tokens.Add(token));
        }
    }

    [Fact]
    public void FillRandom_FillsEveryByte_NotAConstantPattern()
    {
        // Over 64 draws, every position of a 32-byte buffer takes more than one value (a stuck or skipped byte would not).
        var seen = new HashSet<byte>[32];
        for (var i = 0; i < seen.Length; i++)
        {
            seen[i] = [];
        }

        Span<byte> bytes = stackalloc byte[32];
        for (var draw = 0; draw < 64; draw++)
        {
            bytes.Clear();
            DashboardToken.FillRandom(bytes);
            for (var i = 0; i < bytes.Length; i++)
            {
                seen[i].Add(bytes[i]);
            }
        }

        Assert.All(seen, values => Assert.True(values.Count > 8));
    }

    public void Dispose()
    {
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }
}
