using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using TokenOps.Configuration;
using ZLogger;
using ZLogger.Formatters;
using ZLogger.Providers;

namespace TokenOps.Logging;

/// <summary>
/// ZLogger to stderr. stdout belongs to CLI output and to the MCP protocol, so every level goes to
/// stderr (<c>LogToStandardErrorThreshold = Trace</c>).
/// </summary>
internal static class TokenOpsLogging
{
    /// <summary>
    /// Reflection JSON is off, and ZLogger's JSON formatter silently DROPS a line whose structured
    /// arguments it cannot serialize. These options carry the source-generated metadata for every
    /// argument type we log (see <see cref="LogJsonContext"/>; a test logs each of them in JSON).
    /// </summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        TypeInfoResolver = LogJsonContext.Default,
    };

    public static void Configure(ILoggingBuilder logging, LogConfig config)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(config.Level);

        // ASP.NET Core's own per-request chatter is noise next to our one line per request.
        logging.AddFilter("Microsoft.AspNetCore", config.Level > LogLevel.Warning ? config.Level : LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting", config.Level > LogLevel.Warning ? config.Level : LogLevel.Warning);

        // Hosting's per-request diagnostics: while this category is enabled at ANY level (Critical included), every
        // request allocates a log scope and starts an Activity just so log lines could carry a trace id. It only
        // writes Information lines ("Request starting/finished"), which the filter above already drops, so switching
        // it off loses no output and saves an Activity + scope per request (see HostingApplicationDiagnostics).
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        logging.AddZLoggerConsole(options => ConfigureConsole(options, config.Format));
    }

    public static void ConfigureConsole(ZLoggerConsoleOptions options, LogFormat format)
    {
        options.LogToStandardErrorThreshold = LogLevel.Trace;
        ApplyFormat(options, format);
    }

    public static void ApplyFormat(ZLoggerOptions options, LogFormat format)
    {
        if (format == LogFormat.Json)
        {
            options.UseJsonFormatter(formatter =>
            {
                formatter.JsonSerializerOptions = JsonOptions;
                formatter.KeyNameMutator = KeyNameMutator.LastMemberNameLowerFirstCharacter;
            });
        }
        else
        {
            options.UsePlainTextFormatter(formatter =>
            {
                formatter.SetPrefixFormatter($"{0:local-longdate} {1:short} {2}: ", static (in MessageTemplate template, in LogInfo info) =>
                    template.Format(info.Timestamp, info.LogLevel, info.Category));
            });
        }
    }
}

/// <summary>
/// Every type passed as a structured log argument in TokenOps. Interpolated <c>ZLog*</c> calls reach it
/// through the formatter's options; <c>[ZLoggerMessage]</c> methods must name it themselves
/// (<c>JsonSerializerContext = typeof(LogJsonContext)</c>), or their JSON lines are dropped.
/// </summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(Uri))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(long?))]
internal sealed partial class LogJsonContext : JsonSerializerContext;
