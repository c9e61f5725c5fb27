using Microsoft.Extensions.Logging;
using TokenOps.Configuration;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    private TokenOpsConfig Load(Dictionary<string, string>? env = null, ConfigFlag[]? flags = null, bool allowRemote = false, string? configPath = null)
    {
        env ??= [];
        env["TOKENOPS_HOME"] = _home.Path;
        return ConfigLoader.Load(new ConfigSources { Environment = env, Flags = flags ?? [], AllowRemote = allowRemote, ConfigPath = configPath });
    }

    private ConfigException LoadFails(string json)
    {
        _home.WriteConfig(json);
        return Assert.Throws<ConfigException>(() => Load());
    }

    [Fact]
    public void Load_NoFile_EmbeddedDefaults()
    {
        var config = Load();

        Assert.Null(config.ConfigFile);
        Assert.Equal("127.0.0.1:7878", config.Listen);
        Assert.Equal(new Uri("https://api.openai.com"), config.Providers.OpenAI);
        Assert.Equal(new Uri("https://api.anthropic.com"), config.Providers.Anthropic);
        Assert.Equal(new Uri("https://generativelanguage.googleapis.com"), config.Providers.Gemini);
        Assert.Equal(LogLevel.Information, config.Log.Level);
        Assert.Equal(LogFormat.Text, config.Log.Format);
        Assert.Equal(TimeSpan.FromSeconds(10), config.Timeouts.Connect);
        Assert.Equal(TimeSpan.FromMinutes(10), config.Timeouts.FirstByte);
        Assert.Equal(TimeSpan.FromMinutes(5), config.Timeouts.Idle);
        Assert.False(config.Storage.Enabled);
        Assert.Equal(Path.Combine(_home.Path, "events.db"), config.Storage.Path);
        Assert.Equal(90, config.Storage.RetentionDays);
        Assert.False(config.Capture.Bodies);
        Assert.False(config.Cache.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(10), config.Cache.Ttl);
        Assert.Equal(4L * 1024 * 1024, config.Cache.MaxBytes);
        Assert.False(config.Optimizer.Enabled);
        Assert.Equal("passive", config.Optimizer.Mode);
        Assert.Equal(0.85, config.Optimizer.MinQuality);
        Assert.Equal(6, config.Optimizer.Kinds.Length);
        Assert.False(config.Otlp.Enabled);
        Assert.Equal("http/protobuf", config.Otlp.Protocol);
        Assert.Null(config.Budgets);
    }

    [Fact]
    public void Load_Precedence_FlagBeatsEnvBeatsFileBeatsDefault()
    {
        _home.WriteConfig("""
            {
              "listen": "127.0.0.1:1111",
              "log": { "level": "warning", "format": "json" },
              "storage": { "retention_days": 7 },
              "timeouts": { "idle": "1m" }
            }
            """);
        var env = new Dictionary<string, string> { ["TOKENOPS_LISTEN"] = "127.0.0.1:2222", ["TOKENOPS_LOG_LEVEL"] = "error" };
        var flags = new[] { new ConfigFlag("listen", "127.0.0.1:3333", "--listen") };

        var config = Load(env, flags);

        Assert.Equal(_home.ConfigFile, config.ConfigFile);
        Assert.Equal("127.0.0.1:3333", config.Listen); // flag > env > file
        Assert.Equal(LogLevel.Error, config.Log.Level); // env > file
        Assert.Equal(LogFormat.Json, config.Log.Format); // file > default
        Assert.Equal(7, config.Storage.RetentionDays);
        Assert.Equal(TimeSpan.FromMinutes(1), config.Timeouts.Idle);
        Assert.Equal(TimeSpan.FromMinutes(10), config.Timeouts.FirstByte); // default
    }

    [Fact]
    public void Load_EveryKeyFromFile_AllApplied()
    {
        // Paths under the test's own temp home (never a machine path); nothing is created there, the loader only keeps them.
        var storePath = Path.Combine(_home.Path, "x", "events.db");
        var ratesPath = Path.Combine(_home.Path, "rates.json");
        _home.WriteConfig($$"""
            // comments and trailing commas are allowed
            {
              "$schema": "https://example.invalid/schema.json",
              "listen": "localhost:9000",
              "providers": {
                "openai": { "url": "http://127.0.0.1:1/v1base" },
                "anthropic": { "url": "http://127.0.0.1:2" },
                "gemini": { "url": "http://127.0.0.1:3" },
              },
              "log": { "level": "debug", "format": "json" },
              "timeouts": { "connect": "250ms", "first_byte": "1h30m", "idle": "45s" },
              "storage": { "enabled": true, "path": "{{storePath}}", "retention_days": 30 },
              "capture": { "bodies": true },
              "cache": { "enabled": true, "ttl": "2m", "max_bytes": "64MB", "persist": true },
              "pricing": { "path": "{{ratesPath}}", "overrides": [{ "model": "m", "input": 1.5 }] },
              "budgets": [{ "name": "daily", "window": "daily", "limit_usd": 5 }],
              "optimizer": { "enabled": true, "mode": "interactive", "kinds": ["context_trim", "prompt_compress"], "min_quality": 0.5 },
              "otlp": { "enabled": true, "endpoint": "http://127.0.0.1:4318", "protocol": "http/json", "headers": { "x-api-key": "s3cr3t" }, "include_content": true, "semconv": "legacy" },
            }
            """);

        var config = Load();

        Assert.Equal(9000, config.ListenAddress.Port);
        Assert.True(config.ListenAddress.IsLoopback);
        Assert.Equal("http://127.0.0.1:1/v1base", config.Providers.OpenAI.OriginalString);
        Assert.Equal(new Uri("http://127.0.0.1:2"), config.Providers.Anthropic);
        Assert.Equal(new Uri("http://127.0.0.1:3"), config.Providers.Gemini);
        Assert.Equal(LogLevel.Debug, config.Log.Level);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.Timeouts.Connect);
        Assert.Equal(TimeSpan.FromMinutes(90), config.Timeouts.FirstByte);
        Assert.Equal(TimeSpan.FromSeconds(45), config.Timeouts.Idle);
        Assert.True(config.Storage.Enabled);
        Assert.Equal(storePath, config.Storage.Path);
        Assert.Equal(30, config.Storage.RetentionDays);
        Assert.True(config.Capture.Bodies);
        Assert.True(config.Cache.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(2), config.Cache.Ttl);
        Assert.Equal(64L << 20, config.Cache.MaxBytes);
        Assert.True(config.Cache.Persist);
        Assert.Equal(ratesPath, config.Pricing.Path);
        Assert.Equal(1.5, config.Pricing.Overrides!.Value[0].GetProperty("input").GetDouble());
        Assert.Equal("daily", config.Budgets!.Value[0].GetProperty("name").GetString());
        Assert.True(config.Optimizer.Enabled);
        Assert.Equal("interactive", config.Optimizer.Mode);
        Assert.Equal(["context_trim", "prompt_compress"], config.Optimizer.Kinds.ToArray());
        Assert.Equal(0.5, config.Optimizer.MinQuality);
        Assert.True(config.Otlp.Enabled);
        Assert.Equal("http/json", config.Otlp.Protocol);
        Assert.Equal("s3cr3t", config.Otlp.Headers["x-api-key"]);
        Assert.True(config.Otlp.IncludeContent);
        Assert.Equal("legacy", config.Otlp.Semconv);
    }

    [Fact]
    public void Load_EnvironmentVariables_NamedAfterKeys()
    {
        var storePath = Path.Combine(_home.Path, "y.db");
        var env = new Dictionary<string, string>
        {
            ["TOKENOPS_PROVIDERS_OPENAI_URL"] = "http://127.0.0.1:9/",
            ["TOKENOPS_STORAGE_ENABLED"] = "1",
            ["TOKENOPS_STORAGE_PATH"] = storePath,
            ["TOKENOPS_CAPTURE_BODIES"] = "true",
            ["TOKENOPS_CACHE_ENABLED"] = "yes",
            ["TOKENOPS_TIMEOUTS_FIRST_BYTE"] = "30s",
            ["TOKENOPS_OPTIMIZER_KINDS"] = "model_router, context_trim",
            ["TOKENOPS_OTLP_HEADERS"] = "authorization=Bearer%20abc,x-team=core",
            ["TOKENOPS_LOG_FORMAT"] = "JSON",
            ["TOKENOPS_BIN"] = "/not/a/config/key", // unknown TOKENOPS_* variables are ignored
            ["TOKENOPS_LISTEN"] = string.Empty, // empty means unset
        };

        var config = Load(env);

        Assert.Equal(new Uri("http://127.0.0.1:9/"), config.Providers.OpenAI);
        Assert.True(config.Storage.Enabled);
        Assert.Equal(storePath, config.Storage.Path);
        Assert.True(config.Capture.Bodies);
        Assert.True(config.Cache.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Timeouts.FirstByte);
        Assert.Equal(["model_router", "context_trim"], config.Optimizer.Kinds.ToArray());
        Assert.Equal("Bearer abc", config.Otlp.Headers["authorization"]);
        Assert.Equal("core", config.Otlp.Headers["x-team"]);
        Assert.Equal(LogFormat.Json, config.Log.Format);
        Assert.Equal(TokenOpsConfig.DefaultListen, config.Listen);
    }

    [Fact]
    public void Load_BadDuration_NamesFileLineAndKey()
    {
        var ex = LoadFails("{\n  \"listen\": \"127.0.0.1:7878\",\n  \"timeouts\": {\n    \"connect\": \"10s\",\n\n\n    \"idle\": \"5 minutes\"\n  }\n}");

        Assert.Equal($"{_home.ConfigFile} line 7: timeouts.idle: \"5 minutes\" is not a duration like 30s, 5m, 1h", ex.Message);
    }

    [Theory]
    [InlineData("""{"listen": "nonsense"}""", "listen: \"nonsense\" is not an address like 127.0.0.1:7878")]
    [InlineData("""{"listen": "127.0.0.1:70000"}""", "listen: \"127.0.0.1:70000\": port \"70000\" is not a number from 0 to 65535")]
    [InlineData("""{"listen": "example.com:80"}""", "listen: \"example.com:80\": host must be an IP address, [IPv6] or localhost")]
    [InlineData("""{"listen": 7878}""", "listen: 7878 is not an address like 127.0.0.1:7878")]
    [InlineData("""{"providers": {"openai": {"url": "ftp://x"}}}""", "providers.openai.url: \"ftp://x\" is not an http(s) URL")]
    [InlineData("""{"providers": {"anthropic": {"url": "https://a/?q=1"}}}""", "providers.anthropic.url: \"https://a/?q=1\" is not an http(s) URL without query")]
    [InlineData("""{"providers": {"gemini": {"url": 3}}}""", "providers.gemini.url: 3 is not a URL")]
    [InlineData("""{"providers": {"mistral": {"url": "https://x"}}}""", "providers.mistral: unknown key")]
    [InlineData("""{"providers": "openai"}""", "providers: must be an object")]
    [InlineData("""{"log": {"level": "loud"}}""", "log.level: \"loud\" is not one of trace, debug, information, warning, error, critical, none")]
    [InlineData("""{"log": {"format": "xml"}}""", "log.format: \"xml\" is not one of text, json")]
    [InlineData("""{"timeouts": {"connect": 10}}""", "timeouts.connect: 10 is not a duration like 30s, 5m, 1h (write it as a string with a unit)")]
    [InlineData("""{"timeouts": {"first_byte": "0s"}}""", "timeouts.first_byte: \"0s\" must be longer than 0s")]
    [InlineData("""{"storage": {"enabled": "yes"}}""", "storage.enabled: \"yes\" is not true or false")]
    [InlineData("""{"storage": {"path": ""}}""", "storage.path: a file path cannot be empty")]
    [InlineData("""{"storage": {"retention_days": 0}}""", "storage.retention_days: 0 is not between 1 and 36500")]
    [InlineData("""{"storage": {"retention_days": 1.5}}""", "storage.retention_days: 1.5 is not a whole number")]
    [InlineData("""{"capture": {"bodies": 1}}""", "capture.bodies: 1 is not true or false")]
    [InlineData("""{"cache": {"ttl": "forever"}}""", "cache.ttl: \"forever\" is not a duration")]
    [InlineData("""{"cache": {"max_bytes": "lots"}}""", "cache.max_bytes: \"lots\" is not a size like 64MB, 1GB or a number of bytes")]
    [InlineData("""{"cache": {"max_bytes": -1}}""", "cache.max_bytes: -1 is not a size")]
    [InlineData("""{"cache": {"persist": null}}""", "cache.persist: null is not true or false")]
    [InlineData("""{"pricing": {"path": false}}""", "pricing.path: false is not a file path")]
    [InlineData("""{"pricing": {"overrides": "x"}}""", "pricing.overrides: is not a JSON object or array")]
    [InlineData("""{"budgets": {}}""", "budgets: is not a JSON array")]
    [InlineData("""{"optimizer": {"mode": "aggressive"}}""", "optimizer.mode: \"aggressive\" is not one of passive, interactive, replay")]
    [InlineData("""{"optimizer": {"kinds": ["prompt_compres"]}}""", "optimizer.kinds: \"prompt_compres\" is not one of prompt_compress")]
    [InlineData("""{"optimizer": {"kinds": "context_trim"}}""", "optimizer.kinds: \"context_trim\" is not a list")]
    [InlineData("""{"optimizer": {"min_quality": 2}}""", "optimizer.min_quality: 2 is not between 0 and 1")]
    [InlineData("""{"optimizer": {"latency_budget_ms": -1}}""", "optimizer.latency_budget_ms: -1 is not between 0 and 60000")]
    [InlineData("""{"optimizer": {"latency_budget_ms": "2ms"}}""", "optimizer.latency_budget_ms: \"2ms\" is not a number")]
    [InlineData("""{"optimizer": {"max_body_bytes": "3GB"}}""", "optimizer.max_body_bytes: \"3GB\" is more than the maximum of 2147483647 bytes")]
    [InlineData("""{"optimizer": {"max_body_bytes": 0}}""", "optimizer.max_body_bytes: 0 is not a size")]
    [InlineData("""{"optimizer": {"passive_queue": 0}}""", "optimizer.passive_queue: 0 is not between 1 and 1000000")]
    [InlineData("""{"optimizer": {"compress": {"collapse_duplicate_lines": "no"}}}""", "optimizer.compress.collapse_duplicate_lines: \"no\" is not true or false")]
    [InlineData("""{"optimizer": {"dedupe": {"threshold": 1.2}}}""", "optimizer.dedupe.threshold: 1.2 is not between 0 and 1")]
    [InlineData("""{"optimizer": {"dedupe": {"min_tokens": 0}}}""", "optimizer.dedupe.min_tokens: 0 is not between 1 and 1000000")]
    [InlineData("""{"optimizer": {"retrieval": {"min_chunks": 1}}}""", "optimizer.retrieval.min_chunks: 1 is not between 2 and 10000")]
    [InlineData("""{"optimizer": {"retrieval": {"relative_score": -0.1}}}""", "optimizer.retrieval.relative_score: -0.1 is not between 0 and 1")]
    [InlineData("""{"optimizer": {"retrieval": {"keep_mins": 2}}}""", "optimizer.retrieval.keep_mins: unknown key (did you mean \"optimizer.retrieval.keep_min\"?)")]
    [InlineData("""{"optimizer": {"context_trim": {"max_tokens": 1.5}}}""", "optimizer.context_trim.max_tokens: 1.5 is not a whole number")]
    [InlineData("""{"optimizer": {"context_trim": {"keep_last_turns": -1}}}""", "optimizer.context_trim.keep_last_turns: -1 is not between 0 and 100000")]
    [InlineData("""{"optimizer": {"cache_hint": {"prefixes_per_session": 2}}}""", "optimizer.cache_hint.prefixes_per_session: 2 is not between 3 and 10000")]
    [InlineData("""{"optimizer": {"router": {"rules": {"from": "a", "to": "b"}}}}""", "optimizer.router.rules: is not a list of rules like [{\"from\": \"gpt-4o\"")]
    [InlineData("""{"optimizer": {"router": {"rules": ["gpt-4o"]}}}""", "optimizer.router.rules: rule 1: \"gpt-4o\" is not an object like")]
    [InlineData("""{"optimizer": {"router": {"rules": [{"from": "gpt-4o"}]}}}""", "optimizer.router.rules: rule 1: \"to\" is missing")]
    [InlineData("""{"optimizer": {"router": {"rules": [{"from": "a", "to": "b"}, {"from": "", "to": "b"}]}}}""", "optimizer.router.rules: rule 2: from: \"\" is not a model name")]
    [InlineData("""{"optimizer": {"router": {"rules": [{"from": "a", "to": "b", "quality": 1.5}]}}}""", "optimizer.router.rules: rule 1: quality: 1.5 is not between 0 and 1")]
    [InlineData("""{"optimizer": {"router": {"rules": [{"from": "a", "to": "b", "max_input_tokens": 0}]}}}""", "optimizer.router.rules: rule 1: max_input_tokens: 0 is not between 1 and")]
    [InlineData("""{"optimizer": {"router": {"rules": [{"from": "a", "to": "b", "provider": "mistral"}]}}}""", "optimizer.router.rules: rule 1: provider: \"mistral\" is not one of openai, anthropic, gemini")]
    [InlineData("""{"optimizer": {"router": {"rules": [{"from": "a", "to": "b", "max_tokens": 10}]}}}""", "optimizer.router.rules: rule 1: \"max_tokens\" is not one of from, to, max_input_tokens, quality, provider")]
    [InlineData("""{"optimizer": {"router": {"rule": []}}}""", "optimizer.router.rule: unknown key (did you mean \"optimizer.router.rules\"?)")]
    [InlineData("""{"otlp": {"endpoint": "localhost:4318"}}""", "otlp.endpoint: \"localhost:4318\" is not an http(s) URL")]
    [InlineData("""{"otlp": {"protocol": "grpc"}}""", "otlp.protocol: \"grpc\" is not one of http/protobuf, http/json")]
    [InlineData("""{"otlp": {"headers": {"authorization": 5}}}""", "otlp.headers: the value of \"authorization\" is not a string")]
    [InlineData("""{"otlp": {"headers": "a=b"}}""", "otlp.headers: is not an object")]
    [InlineData("""{"otlp": {"semconv": "v2"}}""", "otlp.semconv: \"v2\" is not one of current, legacy")]
    [InlineData("""{"lisen": "127.0.0.1:1"}""", "lisen: unknown key (did you mean \"listen\"?)")]
    [InlineData("""{"storage": {"enable": true}}""", "storage.enable: unknown key (did you mean \"storage.enabled\"?)")]
    [InlineData("""{"listen": "127.0.0.1:1", "listen": "127.0.0.1:2"}""", "listen: is set twice")]
    public void Load_InvalidValue_ClearErrorNamingKey(string json, string expected)
    {
        var ex = LoadFails(json);

        Assert.StartsWith(_home.ConfigFile + " line 1: ", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Load_InvalidJson_NamesLine()
    {
        var ex = LoadFails("{\n  \"listen\": \"127.0.0.1:7878\"\n  \"log\": {}\n}");

        Assert.StartsWith(_home.ConfigFile + " line 3: not valid JSON (", ex.Message);
        Assert.DoesNotContain("LineNumber", ex.Message);
    }

    [Fact]
    public void Load_RootNotObject_Error()
    {
        var ex = LoadFails("[1, 2]");

        Assert.Contains("the config file must be a JSON object", ex.Message);
    }

    [Fact]
    public void Load_EmptyFileWithBom_Defaults()
    {
        File.WriteAllBytes(_home.ConfigFile, [0xEF, 0xBB, 0xBF, (byte)'\n']);

        Assert.Equal(TokenOpsConfig.DefaultListen, Load().Listen);
    }

    [Fact]
    public void Load_SecretValueInvalid_NeverEchoed()
    {
        var ex = LoadFails("""{"providers": {"openai": {"url": "https://user:sk-secret@api.example.com/?x=1"}}}""");

        Assert.DoesNotContain("sk-secret", ex.Message);
        Assert.Contains("https://***@api.example.com/?x=1", ex.Message);
    }

    [Fact]
    public void Load_OptimizerDetails_FromFileAndEnvironment()
    {
        _home.WriteConfig("""
            {
              "optimizer": {
                "latency_budget_ms": 5.5,
                "max_body_bytes": "1MB",
                "passive_queue": 64,
                "compress": { "collapse_duplicate_lines": false },
                "dedupe": { "threshold": 0.9, "min_tokens": 20 },
                "retrieval": { "min_block_tokens": 300, "min_chunks": 5, "keep_min": 1, "relative_score": 0.3 },
                "context_trim": { "max_tokens": 8000, "keep_last_turns": 6, "keep_first_user": false },
                "router": {
                  "rules": [
                    { "from": "gpt-4o", "to": "gpt-4o-mini", "max_input_tokens": 2000, "quality": 0.88, "provider": "OpenAI" },
                    { "from": "claude-opus-*", "to": "claude-sonnet-4-5" }
                  ]
                },
                "cache_hint": { "min_tokens": 2048, "sessions": 10, "prefixes_per_session": 4 }
              }
            }
            """);
        var env = new Dictionary<string, string> { ["TOKENOPS_OPTIMIZER_PASSIVE_QUEUE"] = "128", ["TOKENOPS_OPTIMIZER_DEDUPE_THRESHOLD"] = "0.95" };

        var optimizer = Load(env).Optimizer;

        Assert.Equal(5.5, optimizer.LatencyBudgetMs);
        Assert.Equal(1024L * 1024, optimizer.MaxBodyBytes);
        Assert.Equal(128, optimizer.PassiveQueue); // env > file
        Assert.False(optimizer.CompressCollapseDuplicateLines);
        Assert.Equal((0.95, 20), (optimizer.DedupeThreshold, optimizer.DedupeMinTokens));
        Assert.Equal((300, 5, 1, 0.3), (optimizer.RetrievalMinBlockTokens, optimizer.RetrievalMinChunks, optimizer.RetrievalKeepMin, optimizer.RetrievalRelativeScore));
        Assert.Equal((8000, 6, false), (optimizer.ContextTrimMaxTokens, optimizer.ContextTrimKeepLastTurns, optimizer.ContextTrimKeepFirstUser));
        Assert.Equal((2048, 10, 4), (optimizer.CacheHintMinTokens, optimizer.CacheHintSessions, optimizer.CacheHintPrefixesPerSession));
        Assert.Equal(2, optimizer.RouterRules.Length);
        Assert.Equal(new ModelRouteRule { From = "gpt-4o", To = "gpt-4o-mini", MaxInputTokens = 2000, Quality = 0.88, Provider = "openai" }, optimizer.RouterRules[0]);
        Assert.Equal(new ModelRouteRule { From = "claude-opus-*", To = "claude-sonnet-4-5" }, optimizer.RouterRules[1]); // quality 0.9, any size, any provider
    }

    [Fact]
    public void Load_NoFile_OptimizerDetailsDefaults()
    {
        var optimizer = Load().Optimizer;

        Assert.Equal(2, optimizer.LatencyBudgetMs);
        Assert.Equal(4L * 1024 * 1024, optimizer.MaxBodyBytes);
        Assert.Equal(256, optimizer.PassiveQueue);
        Assert.Equal(0, optimizer.ContextTrimMaxTokens);
        Assert.Empty(optimizer.RouterRules);
    }

    [Theory]
    [InlineData("TOKENOPS_LOG_LEVEL", "loud", "environment variable TOKENOPS_LOG_LEVEL: log.level: \"loud\" is not one of")]
    [InlineData("TOKENOPS_STORAGE_ENABLED", "maybe", "environment variable TOKENOPS_STORAGE_ENABLED: storage.enabled: \"maybe\" is not one of 1, 0, true, false")]
    [InlineData("TOKENOPS_TIMEOUTS_IDLE", "5", "environment variable TOKENOPS_TIMEOUTS_IDLE: timeouts.idle: \"5\" is not a duration like 30s, 5m, 1h")]
    [InlineData("TOKENOPS_OTLP_HEADERS", "novalue", "environment variable TOKENOPS_OTLP_HEADERS: otlp.headers: is not a list like name1=value1,name2=value2")]
    [InlineData("TOKENOPS_STORAGE_RETENTION_DAYS", "ninety", "environment variable TOKENOPS_STORAGE_RETENTION_DAYS: storage.retention_days: \"ninety\" is not a whole number")]
    [InlineData("TOKENOPS_OPTIMIZER_MAX_BODY_BYTES", "3GB", "environment variable TOKENOPS_OPTIMIZER_MAX_BODY_BYTES: optimizer.max_body_bytes: \"3GB\" is more than the maximum of 2147483647 bytes")]
    public void Load_InvalidEnvironmentValue_NamesVariable(string variable, string value, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => Load(new Dictionary<string, string> { [variable] = value }));

        Assert.StartsWith(expected, ex.Message);
    }

    [Fact]
    public void Load_InvalidFlag_NamesFlag()
    {
        var ex = Assert.Throws<ConfigException>(() => Load(flags: [new ConfigFlag("log.level", "chatty", "--log-level")]));

        Assert.StartsWith("flag --log-level: log.level: \"chatty\"", ex.Message);
    }

    [Theory]
    [InlineData("0.0.0.0:7878")]
    [InlineData("*:7878")]
    [InlineData("192.168.1.10:7878")]
    [InlineData("[::]:7878")]
    public void Load_NonLoopbackListen_RefusedWithoutAllowRemote(string listen)
    {
        var ex = Assert.Throws<ConfigException>(() => Load(new Dictionary<string, string> { ["TOKENOPS_LISTEN"] = listen }));

        Assert.StartsWith("environment variable TOKENOPS_LISTEN: listen: ", ex.Message);
        Assert.Contains("--allow-remote", ex.Message);
        Assert.Equal(listen, Load(new Dictionary<string, string> { ["TOKENOPS_LISTEN"] = listen }, allowRemote: true).Listen);
    }

    [Fact]
    public void Load_NonLoopbackInFile_ErrorNamesFileLine()
    {
        _home.WriteConfig("{\n\"listen\": \"0.0.0.0:7878\"\n}");

        var ex = Assert.Throws<ConfigException>(() => Load());

        Assert.StartsWith(_home.ConfigFile + " line 2: listen: 0.0.0.0:7878 accepts connections from other machines", ex.Message);
    }

    [Fact]
    public void Load_ExplicitConfigMissing_Error()
    {
        var missing = Path.Combine(_home.Path, "nope.json");

        var ex = Assert.Throws<ConfigException>(() => Load(configPath: missing));

        Assert.Equal($"{missing}: config file not found", ex.Message);
    }

    [Fact]
    public void Load_ExplicitConfigPath_ReadInsteadOfHome()
    {
        _home.WriteConfig("""{"listen": "127.0.0.1:1"}""");
        var other = Path.Combine(_home.Path, "other.json");
        File.WriteAllText(other, """{"listen": "127.0.0.1:2"}""");

        Assert.Equal("127.0.0.1:2", Load(configPath: other).Listen);
        Assert.Equal("127.0.0.1:2", Load(new Dictionary<string, string> { ["TOKENOPS_CONFIG"] = other }).Listen);
    }

    [Fact]
    public void ResolveHome_WithoutVariable_UserProfileDotTokenops()
    {
        var home = ConfigLoader.ResolveHome(new Dictionary<string, string>());

        Assert.Equal(Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".tokenops"), home);
    }

    [Fact]
    public void ConfigKeys_EnvironmentVariables_FollowSectionKeyRule()
    {
        Assert.Equal("TOKENOPS_LISTEN", ConfigKeys.Get("listen").EnvironmentVariable);
        Assert.Equal("TOKENOPS_PROVIDERS_OPENAI_URL", ConfigKeys.Get("providers.openai.url").EnvironmentVariable);
        Assert.Equal("TOKENOPS_TIMEOUTS_FIRST_BYTE", ConfigKeys.Get("timeouts.first_byte").EnvironmentVariable);
        Assert.Null(ConfigKeys.Get("budgets").EnvironmentVariable);
        Assert.Null(ConfigKeys.Get("pricing.overrides").EnvironmentVariable);
        Assert.Equal("TOKENOPS_OPTIMIZER_CONTEXT_TRIM_MAX_TOKENS", ConfigKeys.Get("optimizer.context_trim.max_tokens").EnvironmentVariable);
        Assert.Null(ConfigKeys.Get("optimizer.router.rules").EnvironmentVariable);
    }
}
