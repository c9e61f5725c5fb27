using System.Text.Json;
using TokenOps.Configuration;
using TokenOps.Daemon;
using TokenOps.Insights.Coaching;

namespace TokenOps.Tests.Configuration;

/// <summary><c>coaching.*</c>: parsing, validation, <c>config show</c>, and the mapping into the daemon's <see cref="CoachingOptions"/>.</summary>
public sealed class CoachingConfigTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    private TokenOpsConfig Load(Dictionary<string, string>? env = null)
    {
        env ??= [];
        env["TOKENOPS_HOME"] = _home.Path;
        return ConfigLoader.Load(new ConfigSources { Environment = env });
    }

    [Fact]
    public void CreateCoachingOptions_Defaults_EqualTheInsightsDefaults()
    {
        var options = DaemonHost.CreateCoachingOptions(Load());

        Assert.Equal(new CoachingOptions(), options);
        Assert.Equal(new CoachingOptions().Workflow, InsightsComposition.Create(Load()).Workflow);
    }

    [Fact]
    public void Load_CoachingKeysFromFile_MappedIntoCoachingOptions()
    {
        _home.WriteConfig("""
            {
              "storage": { "enabled": true },
              "coaching": {
                "enabled": false, "workflow_idle": "90s", "chain_max_gap": "10m", "interval": "15m", "lookback": "6h",
                "queue": 32, "max_workflows": 100, "max_steps": 64
              }
            }
            """);

        var config = Load();
        var options = DaemonHost.CreateCoachingOptions(config);

        Assert.False(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Workflow.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Workflow.ChainMaxGap);
        Assert.Equal(TimeSpan.FromMinutes(15), options.SweepInterval);
        Assert.Equal(TimeSpan.FromHours(6), options.SweepLookback);
        Assert.Equal(32, options.QueueCapacity);
        Assert.Equal(100, options.MaxActiveWorkflows);
        Assert.Equal(64, options.MaxStepsPerWorkflow);
        Assert.Equal(new CoachingOptions().Waste, options.Waste);
        // The reports group workflows exactly as the daemon does.
        Assert.Equal(options.Workflow, InsightsComposition.Create(config).Workflow);
    }

    [Fact]
    public void Load_CoachingEnvironmentVariables_NamedAfterKeys()
    {
        var config = Load(new Dictionary<string, string>
        {
            ["TOKENOPS_COACHING_ENABLED"] = "off",
            ["TOKENOPS_COACHING_WORKFLOW_IDLE"] = "2m",
            ["TOKENOPS_COACHING_CHAIN_MAX_GAP"] = "1h",
            ["TOKENOPS_COACHING_INTERVAL"] = "30m",
            ["TOKENOPS_COACHING_LOOKBACK"] = "2d",
            ["TOKENOPS_COACHING_QUEUE"] = "1024",
            ["TOKENOPS_COACHING_MAX_WORKFLOWS"] = "5000",
            ["TOKENOPS_COACHING_MAX_STEPS"] = "128",
        });

        Assert.Equal(
            new CoachingConfig
            {
                Enabled = false,
                WorkflowIdle = TimeSpan.FromMinutes(2),
                ChainMaxGap = TimeSpan.FromHours(1),
                Interval = TimeSpan.FromMinutes(30),
                Lookback = TimeSpan.FromDays(2),
                Queue = 1024,
                MaxWorkflows = 5000,
                MaxSteps = 128,
            },
            config.Coaching);
    }

    [Theory]
    [InlineData("""{"coaching": {"enabled": "yes"}}""", "coaching.enabled: \"yes\" is not true or false")]
    [InlineData("""{"coaching": {"workflow_idle": "0s"}}""", "coaching.workflow_idle: \"0s\" must be longer than 0s")]
    [InlineData("""{"coaching": {"chain_max_gap": 30}}""", "coaching.chain_max_gap: 30 is not a duration like 30s, 5m, 1h (write it as a string with a unit)")]
    [InlineData("""{"coaching": {"interval": "hourly"}}""", "coaching.interval: \"hourly\" is not a duration")]
    [InlineData("""{"coaching": {"lookback": "-1d"}}""", "coaching.lookback: \"-1d\"")]
    [InlineData("""{"coaching": {"queue": 0}}""", "coaching.queue: 0 is not between 1 and 65536")]
    [InlineData("""{"coaching": {"queue": 1.5}}""", "coaching.queue: 1.5 is not a whole number")]
    [InlineData("""{"coaching": {"max_workflows": 0}}""", "coaching.max_workflows: 0 is not between 1 and 1000000")]
    [InlineData("""{"coaching": {"max_steps": 200000}}""", "coaching.max_steps: 200000 is not between 1 and 100000")]
    [InlineData("""{"coaching": {"interval_": "1h"}}""", "coaching.interval_: unknown key (did you mean \"coaching.interval\"?)")]
    public void Load_InvalidCoachingValue_ClearErrorNamingKey(string json, string expected)
    {
        _home.WriteConfig(json);

        var ex = Assert.Throws<ConfigException>(() => Load());

        Assert.StartsWith(_home.ConfigFile + " line 1: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigShow_CoachingSection_RoundTrips()
    {
        _home.WriteConfig("""{ "coaching": { "workflow_idle": "10m", "queue": 64, "lookback": "12h" } }""");
        var original = Load();
        var shown = ConfigWriter.ToJson(original);
        _home.WriteConfig(shown);

        var reloaded = Load();

        using var document = JsonDocument.Parse(shown);
        var coaching = document.RootElement.GetProperty("coaching");
        Assert.True(coaching.GetProperty("enabled").GetBoolean());
        Assert.Equal("10m", coaching.GetProperty("workflow_idle").GetString());
        Assert.Equal("30m", coaching.GetProperty("chain_max_gap").GetString());
        Assert.Equal("1h", coaching.GetProperty("interval").GetString());
        Assert.Equal("12h", coaching.GetProperty("lookback").GetString());
        Assert.Equal(64, coaching.GetProperty("queue").GetInt32());
        Assert.Equal(1024, coaching.GetProperty("max_workflows").GetInt32());
        Assert.Equal(512, coaching.GetProperty("max_steps").GetInt32());
        Assert.Equal(original.Coaching, reloaded.Coaching);
    }
}
