using System.Security.Cryptography;
using System.Text;

namespace TokenOps.Dashboard;

/// <summary>
/// The dashboard's access token: 32 random bytes (base64url) minted once into <c>$TOKENOPS_HOME/dashboard.token</c> with mode
/// 0600, so only the owner (and the processes they run) can open the dashboard. Delete the file to rotate it.
/// </summary>
public static class DashboardToken
{
    public const string FileName = "dashboard.token";

    private const int MinLength = 32;

    /// <summary>Reads the token, minting it first when the file is missing or unusable. Safe against a concurrent minter.</summary>
    public static string LoadOrCreate(string home)
    {
        ArgumentException.ThrowIfNullOrEmpty(home);
        var path = Path.Combine(home, FileName);
        if (TryRead(path) is { } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(home);
        var token = Mint();
        var temp = path + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(token + "\n"));
        }

        try
        {
            // Replacing an unusable file is fine; if another process minted a good one meanwhile, theirs wins below.
            if (TryRead(path) is { } raced)
            {
                return raced;
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }

        return TryRead(path) ?? token;
    }

    /// <summary>Constant-time comparison (no early exit on the first differing byte), so timing reveals nothing of the token.</summary>
    public static bool Matches(string expected, ReadOnlySpan<char> presented)
    {
        Span<byte> a = stackalloc byte[64];
        Span<byte> b = stackalloc byte[64];
        if (expected.Length > a.Length || presented.Length > b.Length)
        {
            return false;
        }

        var na = Encoding.ASCII.GetBytes(expected, a);
        var nb = Encoding.ASCII.GetBytes(presented, b);
        return CryptographicOperations.FixedTimeEquals(a[..na], b[..nb]);
    }

    internal static string Mint()
    {
        Span<byte> bytes = stackalloc byte[32];
        FillRandom(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>
    /// 256 bits from the kernel's CSPRNG. On Linux read straight from <c>/dev/urandom</c> (what OpenSSL seeds from):
    /// <see cref="RandomNumberGenerator"/> goes through OpenSSL there, and loading libssl/libcrypto cost ~10 ms of the
    /// daemon's first start. Elsewhere, or if the device cannot be read, the platform RNG.
    /// </summary>
    internal static void FillRandom(Span<byte> bytes)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                using var urandom = new FileStream("/dev/urandom", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
                urandom.ReadExactly(bytes);
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Fall through to the platform RNG.
            }
        }

        RandomNumberGenerator.Fill(bytes);
    }

    private static string? TryRead(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length >= MinLength && IsBase64Url(text) ? text : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool IsBase64Url(string text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            {
                return false;
            }
        }

        return text.Length <= 64;
    }
}
