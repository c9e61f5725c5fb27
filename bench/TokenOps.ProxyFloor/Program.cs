using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using TokenOps.ProxyFloor;

// Same configuration as `tokenops start` (the load harness launches it as TokenOps with `start`).
var mode = Environment.GetEnvironmentVariable("FLOOR_MODE") ?? "async";
var listen = IPEndPoint.Parse(Environment.GetEnvironmentVariable("TOKENOPS_LISTEN") ?? "127.0.0.1:7878");
var upstreamUri = new Uri(Environment.GetEnvironmentVariable("TOKENOPS_PROVIDERS_OPENAI_URL") ?? "http://127.0.0.1:8080");
var upstream = new IPEndPoint(IPAddress.Parse(upstreamUri.Host), upstreamUri.Port);
if (mode != "blocking" && Environment.GetEnvironmentVariable("FLOOR_INLINE") != "0")
{
    // As `tokenops start` does: socket completions run on the event-loop thread (read before the first socket).
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

Console.WriteLine($"proxyfloor: mode {mode}, listening on {listen}, upstream {upstream}");
switch (mode)
{
    case "blocking":
    case "async":
        RunRaw(listen, upstream, blocking: mode == "blocking");
        break;
    case "kestrel":
    case "httpclient":
        RunKestrel(listen, upstream, mode == "httpclient");
        break;
    default:
        Console.Error.WriteLine("FLOOR_MODE must be blocking, async, kestrel or httpclient");
        return 2;
}

return 0;

static void RunRaw(IPEndPoint listen, IPEndPoint upstream, bool blocking)
{
    using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
    listener.Bind(listen);
    listener.Listen(512);
    while (true)
    {
        var client = listener.Accept();
        client.NoDelay = true;
        var session = new RawSession(client, upstream, blocking);
        if (blocking)
        {
            // Every await in blocking mode completes synchronously: the whole exchange loop runs on this thread.
            new Thread(() => session.RunAsync().GetAwaiter().GetResult()) { IsBackground = true }.Start();
        }
        else
        {
            _ = session.RunAsync();
        }
    }
}

static void RunKestrel(IPEndPoint listen, IPEndPoint upstream, bool httpClient)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.Services.Configure<SocketTransportOptions>(sockets =>
    {
        sockets.NoDelay = true;
        sockets.UnsafePreferInlineScheduling = Environment.GetEnvironmentVariable("FLOOR_INLINE") != "0";
    });
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        kestrel.AddServerHeader = false;
        kestrel.Listen(listen);
    });
    var app = builder.Build();
    app.Run(httpClient ? new HttpClientForwarder(upstream).ForwardAsync : new KestrelForwarder(upstream).ForwardAsync);
    app.Run();
}
