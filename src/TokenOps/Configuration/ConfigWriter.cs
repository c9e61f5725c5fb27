using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace TokenOps.Configuration;

/// <summary>Writes the merged configuration as JSON in the config file's own shape, secrets masked.</summary>
internal static class ConfigWriter
{
    public static string ToJson(TokenOpsConfig config)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            Write(writer, config);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void Write(Utf8JsonWriter writer, TokenOpsConfig config)
    {
        writer.WriteStartObject();
        writer.WriteString("listen", config.Listen);
        writer.WriteBoolean("inline_io", config.InlineIo);

        writer.WriteStartObject("providers");
        WriteProvider(writer, "openai", config.Providers.OpenAI);
        WriteProvider(writer, "anthropic", config.Providers.Anthropic);
        WriteProvider(writer, "gemini", config.Providers.Gemini);
        writer.WriteEndObject();

        writer.WriteStartObject("log");
        writer.WriteString("level", LevelName(config.Log.Level));
        writer.WriteString("format", config.Log.Format == LogFormat.Json ? "json" : "text");
        writer.WriteEndObject();

        writer.WriteStartObject("timeouts");
        writer.WriteString("connect", DurationParser.Format(config.Timeouts.Connect));
        writer.WriteString("first_byte", DurationParser.Format(config.Timeouts.FirstByte));
        writer.WriteString("idle", DurationParser.Format(config.Timeouts.Idle));
        writer.WriteEndObject();

        writer.WriteStartObject("storage");
        writer.WriteBoolean("enabled", config.Storage.Enabled);
        writer.WriteString("path", config.Storage.Path);
        writer.WriteNumber("retention_days", config.Storage.RetentionDays);
        writer.WriteEndObject();

        writer.WriteStartObject("capture");
        writer.WriteBoolean("bodies", config.Capture.Bodies);
        writer.WriteEndObject();

        writer.WriteStartObject("cache");
        writer.WriteBoolean("enabled", config.Cache.Enabled);
        writer.WriteString("ttl", DurationParser.Format(config.Cache.Ttl));
        writer.WriteNumber("max_bytes", config.Cache.MaxBytes);
        writer.WriteBoolean("persist", config.Cache.Persist);
        writer.WriteEndObject();

        // Unset optional keys are left out, so the output is itself a valid config file.
        writer.WriteStartObject("pricing");
        if (config.Pricing.Path is { } pricingPath)
        {
            writer.WriteString("path", pricingPath);
        }

        if (config.Pricing.Overrides is { } overrides)
        {
            writer.WritePropertyName("overrides");
            ConfigMasking.WriteMasked(writer, overrides);
        }

        writer.WriteEndObject();

        writer.WritePropertyName("budgets");
        if (config.Budgets is { } budgets)
        {
            ConfigMasking.WriteMasked(writer, budgets);
        }
        else
        {
            writer.WriteStartArray();
            writer.WriteEndArray();
        }

        writer.WriteStartObject("optimizer");
        writer.WriteBoolean("enabled", config.Optimizer.Enabled);
        writer.WriteString("mode", config.Optimizer.Mode);
        writer.WriteStartArray("kinds");
        foreach (var kind in config.Optimizer.Kinds)
        {
            writer.WriteStringValue(kind);
        }

        writer.WriteEndArray();
        writer.WriteNumber("min_quality", config.Optimizer.MinQuality);
        WriteOptimizerDetails(writer, config.Optimizer);
        writer.WriteEndObject();

        writer.WriteStartObject("otlp");
        writer.WriteBoolean("enabled", config.Otlp.Enabled);
        writer.WriteString("endpoint", ConfigMasking.MaskUrl(config.Otlp.Endpoint.OriginalString));
        writer.WriteString("protocol", config.Otlp.Protocol);
        writer.WriteStartObject("headers");
        foreach (var header in config.Otlp.Headers)
        {
            // Header values are collector credentials more often than not: always masked.
            writer.WriteString(header.Key, ConfigMasking.Mask);
        }

        writer.WriteEndObject();
        writer.WriteBoolean("include_content", config.Otlp.IncludeContent);
        writer.WriteString("semconv", config.Otlp.Semconv);
        writer.WriteEndObject();

        writer.WriteStartObject("coaching");
        writer.WriteBoolean("enabled", config.Coaching.Enabled);
        writer.WriteString("workflow_idle", DurationParser.Format(config.Coaching.WorkflowIdle));
        writer.WriteString("chain_max_gap", DurationParser.Format(config.Coaching.ChainMaxGap));
        writer.WriteString("interval", DurationParser.Format(config.Coaching.Interval));
        writer.WriteString("lookback", DurationParser.Format(config.Coaching.Lookback));
        writer.WriteNumber("queue", config.Coaching.Queue);
        writer.WriteNumber("max_workflows", config.Coaching.MaxWorkflows);
        writer.WriteNumber("max_steps", config.Coaching.MaxSteps);
        writer.WriteEndObject();

        writer.WriteEndObject();
    }

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "information",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };

    private static void WriteOptimizerDetails(Utf8JsonWriter writer, OptimizerConfig optimizer)
    {
        writer.WriteNumber("latency_budget_ms", optimizer.LatencyBudgetMs);
        writer.WriteNumber("max_body_bytes", optimizer.MaxBodyBytes);
        writer.WriteNumber("passive_queue", optimizer.PassiveQueue);

        writer.WriteStartObject("compress");
        writer.WriteBoolean("collapse_duplicate_lines", optimizer.CompressCollapseDuplicateLines);
        writer.WriteEndObject();

        writer.WriteStartObject("dedupe");
        writer.WriteNumber("threshold", optimizer.DedupeThreshold);
        writer.WriteNumber("min_tokens", optimizer.DedupeMinTokens);
        writer.WriteEndObject();

        writer.WriteStartObject("retrieval");
        writer.WriteNumber("min_block_tokens", optimizer.RetrievalMinBlockTokens);
        writer.WriteNumber("min_chunks", optimizer.RetrievalMinChunks);
        writer.WriteNumber("keep_min", optimizer.RetrievalKeepMin);
        writer.WriteNumber("relative_score", optimizer.RetrievalRelativeScore);
        writer.WriteEndObject();

        writer.WriteStartObject("context_trim");
        writer.WriteNumber("max_tokens", optimizer.ContextTrimMaxTokens);
        writer.WriteNumber("keep_last_turns", optimizer.ContextTrimKeepLastTurns);
        writer.WriteBoolean("keep_first_user", optimizer.ContextTrimKeepFirstUser);
        writer.WriteEndObject();

        writer.WriteStartObject("router");
        writer.WriteStartArray("rules");
        foreach (var rule in optimizer.RouterRules)
        {
            // Optional fields left unset are left out, so the output is itself a valid config file.
            writer.WriteStartObject();
            writer.WriteString("from", rule.From);
            writer.WriteString("to", rule.To);
            if (rule.MaxInputTokens is { } maxInputTokens)
            {
                writer.WriteNumber("max_input_tokens", maxInputTokens);
            }

            writer.WriteNumber("quality", rule.Quality);
            if (rule.Provider is { } provider)
            {
                writer.WriteString("provider", provider);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();

        writer.WriteStartObject("cache_hint");
        writer.WriteNumber("min_tokens", optimizer.CacheHintMinTokens);
        writer.WriteNumber("sessions", optimizer.CacheHintSessions);
        writer.WriteNumber("prefixes_per_session", optimizer.CacheHintPrefixesPerSession);
        writer.WriteEndObject();
    }

    private static void WriteProvider(Utf8JsonWriter writer, string name, Uri url)
    {
        writer.WriteStartObject(name);
        writer.WriteString("url", ConfigMasking.MaskUrl(url.OriginalString));
        writer.WriteEndObject();
    }
}
