namespace TokenOps.Configuration;

/// <summary>
/// A configuration problem a user can fix. The message names where the value came from (file and
/// line, environment variable or flag), the key and the problem; the CLI prints it and exits with 2.
/// </summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConfigException()
    {
    }

    public static ConfigException For(string source, string key, string problem) => new($"{source}: {key}: {problem}");
}
