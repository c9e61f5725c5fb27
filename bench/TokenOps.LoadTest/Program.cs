using System.Globalization;
using TokenOps.LoadTest;
using TokenOps.LoadTest.Upstream;

if (args.Length > 0 && args[0] == "upstream")
{
    var port = 0;
    var interval = 1000;
    for (var i = 1; i + 1 < args.Length; i += 2)
    {
        switch (args[i])
        {
            case "--port":
                port = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                break;
            case "--sse-interval-us":
                interval = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                break;
            default:
                Console.Error.WriteLine("unknown upstream option " + args[i]);
                return 2;
        }
    }

    return FakeUpstream.RunChildProcess(port, interval);
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.Out.WriteLine(Options.Usage);
    return 0;
}

Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

return new Session(options).Run();
