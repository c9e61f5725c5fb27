using System.Text.Json;
using TokenOps.Configuration;

namespace TokenOps.Tests.Configuration;

public sealed class ConfigWriterTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    private TokenOpsConfig Load() =>
        ConfigLoader.Load(new ConfigSources { Environment = new Dictionary<string, string> { ["TOKENOPS_HOME"] = _home.Path } });

    [Fact]
    public void ToJson_Secrets_Masked()
    {
        _home.WriteConfig("""
            {
              "providers": { "openai": { "url": "https://proxyuser:hunter2@corp-gateway.example/openai" } },
              "otlp": { "headers": { "authorization": "Bearer sk-otlp-123", "x-team": "core-team-visible?" } },
              "pricing": { "overrides": [{ "model": "m", "api_key": "sk-in-override", "input_per_mtok": 1.25, "notes": "kept" }] },
              "budgets": [{ "name": "daily", "webhook_token": "tok-123", "limit_usd": 10 }]
            }
            """);

        var json = ConfigWriter.ToJson(Load());

        Assert.DoesNotContain("hunter2", json);
        Assert.DoesNotContain("sk-otlp-123", json);
        Assert.DoesNotContain("core-team-visible", json);
        Assert.DoesNotContain("sk-in-override", json);
        Assert.DoesNotContain("tok-123", json);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("https://***@corp-gateway.example/openai", root.GetProperty("providers").GetProperty("openai").GetProperty("url").GetString());
        Assert.Equal("***", root.GetProperty("otlp").GetProperty("headers").GetProperty("authorization").GetString());
        Assert.Equal("***", root.GetProperty("otlp").GetProperty("headers").GetProperty("x-team").GetString());
        var row = root.GetProperty("pricing").GetProperty("overrides")[0];
        Assert.Equal("***", row.GetProperty("api_key").GetString());
        Assert.Equal(1.25, row.GetProperty("input_per_mtok").GetDouble()); // numbers are never secrets
        Assert.Equal("kept", row.GetProperty("notes").GetString());
        Assert.Equal("***", root.GetProperty("budgets")[0].GetProperty("webhook_token").GetString());
        Assert.Equal(10, root.GetProperty("budgets")[0].GetProperty("limit_usd").GetInt32());
    }

    [Fact]
    public void ToJson_Output_IsAValidConfigFileWithTheSameValues()
    {
        _home.WriteConfig("""
            {
              "listen": "127.0.0.1:9999",
              "log": { "level": "debug", "format": "json" },
              "timeouts": { "connect": "250ms", "first_byte": "1h30m" },
              "storage": { "enabled": true, "retention_days": 12 },
              "cache": { "enabled": true, "max_bytes": "1MB" },
              "optimizer": {
                "kinds": ["model_router"], "min_quality": 0.7, "latency_budget_ms": 3.5, "max_body_bytes": "2MB",
                "context_trim": { "max_tokens": 4000 },
                "router": { "rules": [{ "from": "gpt-4o", "to": "gpt-4o-mini", "max_input_tokens": 1500 }, { "from": "a", "to": "b", "quality": 0.5, "provider": "gemini" }] }
              },
              "otlp": { "protocol": "http/json" }
            }
            """);
        var original = Load();
        var shown = ConfigWriter.ToJson(original);
        _home.WriteConfig(shown);

        var reloaded = Load();

        Assert.Equal(shown, ConfigWriter.ToJson(reloaded));
        Assert.Equal(original.Listen, reloaded.Listen);
        Assert.Equal(original.Log, reloaded.Log);
        Assert.Equal(original.Timeouts, reloaded.Timeouts);
        Assert.Equal(original.Storage, reloaded.Storage);
        Assert.Equal(original.Cache, reloaded.Cache);
        Assert.Equal(["model_router"], reloaded.Optimizer.Kinds.ToArray());
        // Every scalar optimizer key round-trips (the lists are compared by content below).
        Assert.Equal(original.Optimizer with { Kinds = [], RouterRules = [] }, reloaded.Optimizer with { Kinds = [], RouterRules = [] });
        Assert.Equal(original.Optimizer.RouterRules.ToArray(), reloaded.Optimizer.RouterRules.ToArray());
        Assert.Equal((3.5, 2L * 1024 * 1024, 4000, 2), (reloaded.Optimizer.LatencyBudgetMs, reloaded.Optimizer.MaxBodyBytes, reloaded.Optimizer.ContextTrimMaxTokens, reloaded.Optimizer.RouterRules.Length));
        Assert.Equal(original.Otlp.Protocol, reloaded.Otlp.Protocol);
    }

    [Theory]
    [InlineData("https://api.openai.com", "https://api.openai.com")]
    [InlineData("https://u:p@h/x", "https://***@h/x")]
    [InlineData("http://token@h", "http://***@h")]
    [InlineData("http://h/path@notuser", "http://h/path@notuser")]
    public void MaskUrl_UserInfo_Masked(string url, string expected)
    {
        Assert.Equal(expected, ConfigMasking.MaskUrl(url));
    }

    [Theory]
    [InlineData("api_key", true)]
    [InlineData("X-Api-Key", true)]
    [InlineData("token", true)]
    [InlineData("client_secret", true)]
    [InlineData("Authorization", true)]
    [InlineData("model", false)]
    [InlineData("limit_usd", false)]
    public void IsSecretName_Words_Detected(string name, bool secret)
    {
        Assert.Equal(secret, ConfigMasking.IsSecretName(name));
    }
}
