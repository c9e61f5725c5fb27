namespace TokenOps.Tests;

/// <summary>A throwaway TOKENOPS_HOME directory.</summary>
internal sealed class TempHome : IDisposable
{
    public TempHome()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tokenops-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string ConfigFile => System.IO.Path.Combine(Path, "config.json");

    public void WriteConfig(string json) => File.WriteAllText(ConfigFile, json);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
