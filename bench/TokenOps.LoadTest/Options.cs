using System.Globalization;

namespace TokenOps.LoadTest;

/// <summary>Command line of the harness. Every knob has a default; <c>--quick</c> swaps in the CI profile.</summary>
internal sealed record Options
{
    public bool Quick { get; init; }

    public string? OutDir { get; init; }

    public string? TokenOpsBinary { get; init; }

    public string? NginxPath { get; init; }

    public bool NoNginx { get; init; }

    /// <summary>Subset of a,b,c,d to run (a, the baseline, is always included).</summary>
    public string Targets { get; init; } = "abcd";

    public int[] Rates { get; init; } = [500, 1000, 2000];

    public int[] ClosedConcurrency { get; init; } = [1, 32];

    public int SseConcurrency { get; init; } = 8;

    public int SseIntervalMicros { get; init; } = 1000;

    public int Rounds { get; init; } = 3;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(6);

    public TimeSpan ClosedWarmup { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ClosedDuration { get; init; } = TimeSpan.FromSeconds(4);

    public int OpenLoopConnections { get; init; } = 64;

    public bool Pin { get; init; }

    public bool Gate { get; init; }

    public string? GatesFile { get; init; }

    public bool KeepTemp { get; init; }

    /// <summary>Target (e), an A/B experiment: TokenOps (full, or minimal with <c>--exp-minimal</c>) with these extra
    /// environment variables (<c>K=V,K=V</c>) and/or another binary, run alternating with the others in the same session.</summary>
    public string? ExperimentEnv { get; init; }

    public string? ExperimentBinary { get; init; }

    public bool ExperimentMinimal { get; init; }

    public static Options QuickProfile => new()
    {
        Quick = true,
        Rates = [500],
        ClosedConcurrency = [32],
        SseConcurrency = 4,
        Rounds = 3,
        Warmup = TimeSpan.FromSeconds(1),
        Duration = TimeSpan.FromSeconds(3),
        ClosedWarmup = TimeSpan.FromSeconds(0.5),
        ClosedDuration = TimeSpan.FromSeconds(2),
    };

    public const string Usage = """
        TokenOps.LoadTest — end-to-end proxy overhead harness (issue [I])

          dotnet run -c Release --project bench/TokenOps.LoadTest -- [options]

          --quick                 CI profile: 500 RPS + c=32 + SSE, 3 rounds, short runs (< 3 min)
          --gate                  exit 3 when bench/baselines/gates.json is violated (see README)
          --gates <file>          gate thresholds (default bench/baselines/gates.json)
          --out <dir>             where results.md / results.json go (default bench/results)
          --tokenops <path>       tokenops binary (default $TOKENOPS_BIN, then aot/out/tokenops)
          --nginx <path>          nginx binary (default: found on PATH or /usr/sbin)
          --no-nginx              skip target d
          --targets abcd          which targets to run (a = direct is always run)
          --rates 500,1000,2000   open-loop rates (requests/s)
          --closed 1,32           closed-loop concurrencies
          --sse-concurrency 8     concurrent SSE streams
          --sse-interval-us 1000  upstream pause between SSE events
          --rounds 3              alternating rounds (medians are reported)
          --warmup 2 --duration 6 open-loop seconds per run (warm-up is discarded)
          --closed-warmup 1 --closed-duration 4
          --connections 64        open-loop connection pool size
          --pin                   taskset: proxies on core 1, generator + upstream on core 0
          --keep-temp             keep the temp dir (configs, logs, TokenOps homes)
          --exp-env K=V,K=V       adds target (e): TokenOps full with these extra environment variables (A/B in one run)
          --exp-binary PATH       target (e) runs this binary instead (e.g. a build of another commit)
          --exp-minimal           target (e) is TokenOps forwarding only instead of everything on

          upstream [--port N] [--sse-interval-us N]   run only the fake upstream (used as the child process)
        """;

    public static Options Parse(string[] args)
    {
        var options = Array.IndexOf(args, "--quick") >= 0 ? QuickProfile : new Options();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException(arg + " needs a value");
            options = arg switch
            {
                "--quick" => options,
                "--gate" => options with { Gate = true },
                "--gates" => options with { GatesFile = Next() },
                "--out" => options with { OutDir = Next() },
                "--tokenops" => options with { TokenOpsBinary = Next() },
                "--nginx" => options with { NginxPath = Next() },
                "--no-nginx" => options with { NoNginx = true },
                "--targets" => options with { Targets = Next() },
                "--rates" => options with { Rates = Ints(Next()) },
                "--closed" => options with { ClosedConcurrency = Ints(Next()) },
                "--sse-concurrency" => options with { SseConcurrency = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--sse-interval-us" => options with { SseIntervalMicros = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--rounds" => options with { Rounds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--warmup" => options with { Warmup = Seconds(Next()) },
                "--duration" => options with { Duration = Seconds(Next()) },
                "--closed-warmup" => options with { ClosedWarmup = Seconds(Next()) },
                "--closed-duration" => options with { ClosedDuration = Seconds(Next()) },
                "--connections" => options with { OpenLoopConnections = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--pin" => options with { Pin = true },
                "--keep-temp" => options with { KeepTemp = true },
                "--exp-env" => options with { ExperimentEnv = Next() },
                "--exp-binary" => options with { ExperimentBinary = Next() },
                "--exp-minimal" => options with { ExperimentMinimal = true },
                _ => throw new ArgumentException("unknown option " + arg),
            };
        }

        if (options.Rounds < 1 || options.Rates.Any(r => r <= 0) || options.OpenLoopConnections < 1)
        {
            throw new ArgumentException("rounds, rates and connections must be positive");
        }

        return options;
    }

    private static int[] Ints(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static TimeSpan Seconds(string value) => TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
}
