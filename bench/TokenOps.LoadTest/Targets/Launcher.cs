using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TokenOps.LoadTest.Targets;

/// <summary>Starts the fake upstream and the proxies under test as child processes.</summary>
internal static class Launcher
{
    /// <summary>Starts <c>TokenOps.LoadTest upstream</c> (this program in its upstream sub-mode) and reads its port.</summary>
    public static (Process Process, int Port) StartUpstream(int sseIntervalMicros, int? pinCore)
    {
        var psi = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate this executable");
        if (pinCore is int core && File.Exists("/usr/bin/taskset"))
        {
            psi.FileName = "/usr/bin/taskset";
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(core.ToString(CultureInfo.InvariantCulture));
            psi.ArgumentList.Add(self);
        }
        else
        {
            psi.FileName = self;
        }

        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TokenOps.LoadTest.dll"));
        }

        psi.ArgumentList.Add("upstream");
        psi.ArgumentList.Add("--sse-interval-us");
        psi.ArgumentList.Add(sseIntervalMicros.ToString(CultureInfo.InvariantCulture));
        // Run socket continuations inline on the epoll thread: no thread-pool hop, least CPU per request.
        psi.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        psi.Environment["DOTNET_TieredPGO"] = "0";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the upstream");
        var line = process.StandardOutput.ReadLine();
        if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException("upstream did not start: " + line);
        }

        return (process, int.Parse(line.AsSpan(10), CultureInfo.InvariantCulture));
    }

    public static Target Direct(int upstreamPort) =>
        new("a", "direct", "fake upstream, no proxy", new IPEndPoint(IPAddress.Loopback, upstreamPort), "", null);

    /// <summary>Starts <c>tokenops start</c> with a private TOKENOPS_HOME and configuration by environment only.</summary>
    public static Target StartTokenOps(string key, string name, string binary, bool everythingOn, string tempRoot, int upstreamPort, int? pinCore, Dictionary<string, string>? extraEnv = null)
    {
        var home = Path.Combine(tempRoot, name);
        Directory.CreateDirectory(home);
        var port = FreePort();
        var env = new Dictionary<string, string>
        {
            ["TOKENOPS_HOME"] = home,
            ["TOKENOPS_LISTEN"] = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            ["TOKENOPS_PROVIDERS_OPENAI_URL"] = "http://127.0.0.1:" + upstreamPort.ToString(CultureInfo.InvariantCulture),
            ["TOKENOPS_STORAGE_ENABLED"] = everythingOn ? "1" : "0",
            ["TOKENOPS_CACHE_ENABLED"] = everythingOn ? "1" : "0",
            ["TOKENOPS_OPTIMIZER_ENABLED"] = everythingOn ? "1" : "0",
        };
        foreach (var (variable, value) in extraEnv ?? [])
        {
            env[variable] = value;
        }

        var log = Path.Combine(tempRoot, name + ".log");
        var process = StartLogged(log, [binary, "start"], env, pinCore);
        var description = (everythingOn
            ? "TokenOps: observation + tokenizer + SQLite store + cache (always missing) + passive optimizer"
            : "TokenOps: forwarding only (store, cache, optimizer off)")
            + (extraEnv is { Count: > 0 } ? " + " + string.Join(' ', extraEnv.Select(kv => kv.Key + "=" + kv.Value)) : "");
        return new Target(key, name, description, new IPEndPoint(IPAddress.Loopback, port), "/openai", process) { LogPath = log, IsTokenOps = true };
    }

    /// <summary>nginx as a plain keep-alive reverse proxy: the physical-limit reference.</summary>
    public static Target StartNginx(string nginx, string tempRoot, int upstreamPort, int? pinCore)
    {
        var prefix = Path.Combine(tempRoot, "nginx");
        Directory.CreateDirectory(prefix);
        var port = FreePort();
        var config = Path.Combine(prefix, "nginx.conf");
        File.WriteAllText(config, NginxConfig(prefix, port, upstreamPort));
        var log = Path.Combine(tempRoot, "nginx.log");
        var process = StartLogged(
            log,
            [nginx, "-p", prefix, "-e", Path.Combine(prefix, "error.log"), "-c", config, "-g", "daemon off;"],
            new Dictionary<string, string>(),
            pinCore);
        var master = process.Id;
        return new Target("d", "nginx", "nginx " + NginxVersion(nginx) + ", 1 worker, upstream keepalive", new IPEndPoint(IPAddress.Loopback, port), "", process, () =>
        {
            var pids = Metrics.ProcessStats.Children(master);
            pids.Add(master);
            return pids;
        })
        { LogPath = Path.Combine(prefix, "error.log") };
    }

    public static string? FindNginx(string? configured)
    {
        if (configured is not null)
        {
            return File.Exists(configured) ? configured : null;
        }

        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in dirs.Concat(["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"]))
        {
            var candidate = Path.Combine(dir, "nginx");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    internal static string NginxConfig(string prefix, int port, int upstreamPort)
    {
        var p = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(p, $"worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n");
        sb.Append("events { worker_connections 4096; multi_accept on; }\n");
        sb.Append("http {\n  access_log off;\n  keepalive_requests 100000000;\n  keepalive_timeout 300s;\n");
        sb.Append(p, $"  client_body_temp_path {prefix}/client_body;\n  proxy_temp_path {prefix}/proxy;\n");
        sb.Append(p, $"  upstream up {{ server 127.0.0.1:{upstreamPort}; keepalive 128; keepalive_requests 100000000; }}\n");
        sb.Append(p, $"  server {{\n    listen 127.0.0.1:{port};\n    location / {{\n");
        sb.Append("      proxy_pass http://up;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n");
        // SSE must flow event by event, and request bodies should stream like ours do.
        sb.Append("      proxy_buffering off;\n      proxy_request_buffering off;\n    }\n  }\n}\n");
        return sb.ToString();
    }

    private static string NginxVersion(string nginx)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(nginx, "-v") { RedirectStandardError = true, UseShellExecute = false });
            var text = process!.StandardError.ReadToEnd().Trim();
            process.WaitForExit();
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            return slash >= 0 ? text[(slash + 1)..] : text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    /// <summary>Runs <paramref name="command"/> via <c>sh -c 'exec …'</c> so the child keeps the shell's pid,
    /// with stdout/stderr appended to <paramref name="logPath"/> (a file, never a pipe we could forget to drain).</summary>
    private static Process StartLogged(string logPath, IReadOnlyList<string> command, Dictionary<string, string> env, int? pinCore)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$@\" >>\"$LOADTEST_LOG\" 2>&1 </dev/null");
        psi.ArgumentList.Add("sh");
        if (pinCore is int core && File.Exists("/usr/bin/taskset"))
        {
            psi.ArgumentList.Add("/usr/bin/taskset");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(core.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var part in command)
        {
            psi.ArgumentList.Add(part);
        }

        // The proxies must see only the configuration we give them.
        foreach (var inherited in psi.Environment.Keys.ToList())
        {
            if (inherited.StartsWith("TOKENOPS_", StringComparison.Ordinal))
            {
                psi.Environment.Remove(inherited);
            }
        }

        foreach (var (name, value) in env)
        {
            psi.Environment[name] = value;
        }

        psi.Environment["LOADTEST_LOG"] = logPath;
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start " + command[0]);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
