using System.Text.Json;

namespace TokenOps.Configuration;

/// <summary>
/// Builds the merged <see cref="TokenOpsConfig"/>: embedded defaults &lt; config file &lt; TOKENOPS_*
/// environment &lt; flags. Every value is validated where it is read, so an error names its origin
/// (<c>config.json line 7: timeouts.idle: "5 minutes" is not a duration like 30s, 5m, 1h</c>).
/// Unknown keys in the file are errors (they are almost always typos); unknown TOKENOPS_* variables
/// are ignored because test harnesses and wrappers use that prefix too (TOKENOPS_BIN).
/// </summary>
internal static class ConfigLoader
{
    public const string HomeVariable = "TOKENOPS_HOME";
    public const string ConfigVariable = "TOKENOPS_CONFIG";
    public const string FileName = "config.json";

    public static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 32,
    };

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 32,
    };

    public static string ResolveHome(IReadOnlyDictionary<string, string> environment)
    {
        if (environment.TryGetValue(HomeVariable, out var home) && !string.IsNullOrWhiteSpace(home))
        {
            return Path.GetFullPath(home);
        }

        return Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".tokenops");
    }

    public static TokenOpsConfig Load(ConfigSources sources)
    {
        var environment = sources.Environment;
        var home = ResolveHome(environment);
        var config = TokenOpsConfig.CreateDefault(home);
        var listenSource = "default";

        var explicitPath = sources.ConfigPath;
        if (explicitPath is null && environment.TryGetValue(ConfigVariable, out var fromEnvironment) && !string.IsNullOrWhiteSpace(fromEnvironment))
        {
            explicitPath = fromEnvironment;
        }

        var path = Path.GetFullPath(explicitPath ?? Path.Join(home, FileName));
        if (File.Exists(path))
        {
            config = ApplyFile(config, path, ref listenSource) with { ConfigFile = path };
        }
        else if (explicitPath is not null)
        {
            throw new ConfigException($"{path}: config file not found");
        }

        foreach (var key in ConfigKeys.All)
        {
            if (key.EnvironmentVariable is { } variable && environment.TryGetValue(variable, out var value) && value.Length > 0)
            {
                var source = "environment variable " + variable;
                Apply(ref config, key, value, source);
                if (key.Path == "listen")
                {
                    listenSource = source;
                }
            }
        }

        foreach (var flag in sources.Flags)
        {
            var source = "flag " + flag.Flag;
            Apply(ref config, ConfigKeys.Get(flag.Key), flag.Value, source);
            if (flag.Key == "listen")
            {
                listenSource = source;
            }
        }

        var listen = config.ListenAddress;
        if (!listen.IsLoopback && !sources.AllowRemote)
        {
            throw ConfigException.For(
                listenSource,
                "listen",
                $"{listen} accepts connections from other machines; API keys pass through this proxy, so this needs --allow-remote (or listen on 127.0.0.1)");
        }

        return config;
    }

    private static void Apply(ref TokenOpsConfig config, ConfigKey key, string value, string source)
    {
        var error = key.Apply(ref config, value);
        if (error is not null)
        {
            throw ConfigException.For(source, key.Path, error);
        }
    }

    private static TokenOpsConfig ApplyFile(TokenOpsConfig config, string path, ref string listenSource)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the config file: {ex.Message}", ex);
        }

        ReadOnlySpan<byte> json = bytes;
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            json = json[3..];
        }

        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return config;
        }

        var file = new ConfigFile(path);
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ConfigException($"{path} line {file.LineOf(json, reader.TokenStartIndex)}: the config file must be a JSON object, like {{ \"listen\": \"127.0.0.1:7878\" }}");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            WalkObject(ref reader, json, file, prefix: string.Empty, seen, ref config, ref listenSource);
        }
        catch (JsonException ex)
        {
            // Utf8JsonReader reports 0-based positions.
            var line = (ex.LineNumber ?? 0) + 1;
            throw new ConfigException($"{path} line {line}: not valid JSON ({ShortJsonMessage(ex.Message)})", ex);
        }

        return config;
    }

    private static void WalkObject(
        ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ConfigFile file, string prefix, HashSet<string> seen, ref TokenOpsConfig config, ref string listenSource)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var line = file.LineOf(json, reader.TokenStartIndex);
            var name = reader.GetString()!;
            var path = prefix + name;
            var source = $"{file.Path} line {line}";
            if (!seen.Add(path))
            {
                throw ConfigException.For(source, path, "is set twice");
            }

            reader.Read();
            if (ConfigKeys.ByPath.TryGetValue(path, out var key))
            {
                var value = JsonElement.ParseValue(ref reader);
                var error = key.Apply(ref config, value);
                if (error is not null)
                {
                    throw ConfigException.For(source, path, error);
                }

                if (path == "listen")
                {
                    listenSource = source;
                }
            }
            else if (ConfigKeys.Sections.Contains(path))
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw ConfigException.For(source, path, "must be an object, like { ... }");
                }

                WalkObject(ref reader, json, file, path + ".", seen, ref config, ref listenSource);
            }
            else if (path == "$schema")
            {
                reader.Skip();
            }
            else
            {
                var hint = ConfigKeys.Suggest(path);
                throw ConfigException.For(source, path, hint is null ? "unknown key" : $"unknown key (did you mean \"{hint}\"?)");
            }
        }
    }

    private static string ShortJsonMessage(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut] : message;
        return text.TrimEnd(' ', '.', '|');
    }

    private readonly record struct ConfigFile(string Path)
    {
        public int LineOf(ReadOnlySpan<byte> json, long index)
        {
            var end = (int)Math.Min(index, json.Length);
            return json[..end].Count((byte)'\n') + 1;
        }
    }
}
