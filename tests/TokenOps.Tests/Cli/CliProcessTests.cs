using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace TokenOps.Tests.Cli;

/// <summary>The real executable (JIT build next to the tests) as a user runs it: exit codes, stdout vs stderr, signals.</summary>
public sealed partial class CliProcessTests : IDisposable
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "tokenops.dll");
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    private ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Executable);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(static k => k.StartsWith("TOKENOPS_", StringComparison.Ordinal)).ToArray())
        {
            info.Environment.Remove(key);
        }

        info.Environment["TOKENOPS_HOME"] = _home.Path;
        return info;
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo info)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Start_BadConfig_Exit2OneClearLineNoStackTrace()
    {
        _home.WriteConfig("{\n  \"timeouts\": {\n    \"idle\": \"5 minutes\"\n  }\n}");

        var (exitCode, stdout, stderr) = await RunAsync(StartInfo("start"));

        Assert.Equal(2, exitCode);
        Assert.Equal($"tokenops: {_home.ConfigFile} line 3: timeouts.idle: \"5 minutes\" is not a duration like 30s, 5m, 1h\n", stderr);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public async Task Start_NonLoopbackWithoutAllowRemote_Exit2()
    {
        var (exitCode, _, stderr) = await RunAsync(StartInfo("start", "--listen", "0.0.0.0:0"));

        Assert.Equal(2, exitCode);
        Assert.StartsWith("tokenops: flag --listen: listen: 0.0.0.0:0 accepts connections from other machines", stderr);
    }

    [Fact]
    public async Task UnknownCommand_NonZeroWithHelp()
    {
        var (exitCode, stdout, stderr) = await RunAsync(StartInfo("strat"));

        Assert.Equal(2, exitCode);
        Assert.StartsWith("tokenops: unknown command \"strat\"", stderr);
        Assert.Contains("start", stdout);
        Assert.Contains("status", stdout);
    }

    [Theory]
    [InlineData("waste", "Only analyse requests to this provider (openai|anthropic|gemini).")]
    [InlineData("coach", "Only analyse requests to this provider (openai|anthropic|gemini).")]
    [InlineData("workflows", "Only workflows with a step of this provider (openai|anthropic|gemini), counting those steps.")]
    public async Task Help_WasteCoachWorkflows_ListProviderAndModelAsSpendDoes(string command, string providerHelp)
    {
        var (exitCode, stdout, _) = await RunAsync(StartInfo(command, "--help"));

        Assert.Equal(0, exitCode);
        Assert.Matches(@"\n  --provider <string\?> +" + Regex.Escape(providerHelp), stdout);
        Assert.Matches(@"\n  --model <string\?> +Only ", stdout);
    }

    [Fact]
    public async Task Status_NothingRunning_Exit1WithHint()
    {
        var port = FreePort();

        var (exitCode, stdout, stderr) = await RunAsync(StartInfo("status", "--listen", $"127.0.0.1:{port}"));

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains($"tokenops is not running at 127.0.0.1:{port}", stderr);
        Assert.Contains("tokenops start", stderr);
    }

    [Fact]
    public async Task ConfigShow_EnvironmentSecret_MaskedOnStdout()
    {
        var info = StartInfo("config", "show");
        info.Environment["TOKENOPS_OTLP_HEADERS"] = "authorization=Bearer%20sk-very-secret";
        info.Environment["TOKENOPS_STORAGE_ENABLED"] = "1";

        var (exitCode, stdout, _) = await RunAsync(info);

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("sk-very-secret", stdout);
        Assert.Contains("\"authorization\": \"***\"", stdout);
        Assert.Contains("\"enabled\": true", stdout);
    }

    [Fact]
    public async Task Version_PrintsVersionAndSqlite()
    {
        var (exitCode, stdout, _) = await RunAsync(StartInfo("version"));

        Assert.Equal(0, exitCode);
        Assert.Matches(VersionLine(), stdout);
        Assert.Contains("\nsqlite 3.", stdout);
    }

    [Fact]
    public async Task Start_StatusThenSigterm_GracefulExit0()
    {
        using var process = Process.Start(StartInfo("start", "--listen", "127.0.0.1:0"))!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var banner = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var match = ListeningLine().Match(banner ?? string.Empty);
            Assert.True(match.Success, banner);
            var port = match.Groups[1].Value;
            var rest = process.StandardOutput.ReadToEndAsync();

            var (statusExit, statusOut, _) = await RunAsync(StartInfo("status", "--listen", "127.0.0.1:" + port));
            Assert.Equal(0, statusExit);
            Assert.Contains($"is ready at 127.0.0.1:{port}", statusOut);
            Assert.Contains("store: off", statusOut);

            // The daemon capped glibc's malloc arenas before starting its threads (MallocArenas): one, unless the
            // environment says otherwise.
            using (var http = new HttpClient())
            {
                var ready = await http.GetStringAsync($"http://127.0.0.1:{port}/readyz");
                var expected = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null ? 1 : 0;
                Assert.Contains($"\"runtime.malloc.arena_limit\":{expected}", ready.Replace(" ", "", StringComparison.Ordinal));
            }

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);

            var output = await rest;
            var errors = await stderr;
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; stdout: {output}; stderr: {errors}");
            Assert.Contains("Event store is off", output);
            Assert.Contains("OPENAI_BASE_URL=http://127.0.0.1:" + port + "/openai/v1", output);
            Assert.DoesNotContain("Exception", errors);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^tokenops \d+\.\d+\.\d+( commit [0-9a-f]+)? \(\.NET [^)]+\(JIT\), linux-x64\)\n")]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"listening on http://127\.0\.0\.1:(\d+)$")]
    private static partial Regex ListeningLine();
}
