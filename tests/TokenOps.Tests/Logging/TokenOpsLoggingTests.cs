using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenOps.Configuration;
using TokenOps.Logging;
using ZLogger;

namespace TokenOps.Tests.Logging;

public sealed partial class TokenOpsLoggingTests
{
    private static string LogOnce(LogFormat format, Action<ILogger> log)
    {
        var errors = new List<Exception>();
        var stream = new MemoryStream();
        using (var provider = new ServiceCollection()
            .AddLogging(logging =>
            {
                logging.SetMinimumLevel(LogLevel.Trace);
                logging.AddZLoggerStream(stream, options =>
                {
                    options.InternalErrorLogger = ex =>
                    {
                        lock (errors)
                        {
                            errors.Add(ex);
                        }
                    };
                    TokenOpsLogging.ApplyFormat(options, format);
                });
            })
            .BuildServiceProvider())
        {
            log(provider.GetRequiredService<ILoggerFactory>().CreateLogger("TokenOps.Test"));
        }

        Assert.Empty(errors);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void JsonFormat_StructuredArgumentsOfEveryLoggedType_LineWritten()
    {
        // Without source-generated options ZLogger's JSON formatter silently drops such lines (reflection is off).
        var output = LogOnce(LogFormat.Json, static logger => LogEverything(logger, "POST", 200, 1234L, 12.5, true, TimeSpan.FromSeconds(3), new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), new Uri("http://127.0.0.1:1/x"), null, 7L));

        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        Assert.Equal("POST", root.GetProperty("method").GetString());
        Assert.Equal(200, root.GetProperty("status").GetInt32());
        Assert.Equal(1234, root.GetProperty("bytes").GetInt64());
        Assert.Equal(12.5, root.GetProperty("elapsedMs").GetDouble());
        Assert.True(root.GetProperty("aborted").GetBoolean());
        Assert.Equal("00:00:03", root.GetProperty("duration").GetString());
        Assert.Equal("http://127.0.0.1:1/x", root.GetProperty("upstream").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("maybe").ValueKind);
        Assert.Equal(7, root.GetProperty("count").GetInt64());
        Assert.Equal("TokenOps.Test", root.GetProperty("Category").GetString());
    }

    [Fact]
    public void JsonFormat_InterpolatedZLogCall_UsesSourceGeneratedOptions()
    {
        var upstream = new Uri("http://127.0.0.1:2/y");
        var duration = TimeSpan.FromMilliseconds(1500);
        int? missing = null;

        var output = LogOnce(LogFormat.Json, logger => logger.ZLogWarning($"upstream {upstream} slow {duration} {missing}"));

        using var document = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("http://127.0.0.1:2/y", document.RootElement.GetProperty("upstream").GetString());
        Assert.Equal("00:00:01.5000000", document.RootElement.GetProperty("duration").GetString());
        Assert.Equal("Warning", document.RootElement.GetProperty("LogLevel").GetString());
    }

    [Fact]
    public void TextFormat_Line_HasLevelCategoryAndMessage()
    {
        var output = LogOnce(LogFormat.Text, static logger => LogEverything(logger, "GET", 404, 0L, 1.0, false, TimeSpan.Zero, DateTimeOffset.UnixEpoch, new Uri("http://h/"), 3, null));

        Assert.Contains(" DBG TokenOps.Test: GET 404 bytes=0", output);
        Assert.EndsWith("\n", output);
    }

    [Fact]
    public void Configure_SendsEverythingToStandardError()
    {
        var services = new ServiceCollection().AddLogging(logging => TokenOpsLogging.Configure(logging, new LogConfig { Level = LogLevel.Debug, Format = LogFormat.Json }));
        using var provider = services.BuildServiceProvider();

        var options = new ZLogger.Providers.ZLoggerConsoleOptions();
        TokenOpsLogging.ConfigureConsole(options, LogFormat.Text);

        Assert.Equal(LogLevel.Trace, options.LogToStandardErrorThreshold);
        Assert.True(provider.GetRequiredService<ILoggerFactory>().CreateLogger("TokenOps").IsEnabled(LogLevel.Debug));
        Assert.False(provider.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting").IsEnabled(LogLevel.Information));
    }

    [ZLoggerMessage(LogLevel.Debug, "{method} {status} bytes={bytes} {elapsedMs} {aborted} {duration} {at} {upstream} {maybe} {count}", JsonSerializerContext = typeof(LogJsonContext))]
    private static partial void LogEverything(ILogger logger, string method, int status, long bytes, double elapsedMs, bool aborted, TimeSpan duration, DateTimeOffset at, Uri upstream, int? maybe, long? count);
}
