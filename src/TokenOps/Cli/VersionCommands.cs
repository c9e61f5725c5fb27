using ConsoleAppFramework;
using Microsoft.Data.Sqlite;
using TokenOps.Daemon;

namespace TokenOps.Cli;

internal sealed class VersionCommands
{
    /// <summary>Print the version, commit, runtime and the SQLite linked into this binary.</summary>
    [Command("version")]
    public int Version()
    {
        Console.WriteLine(BuildInfo.Describe());
        Console.WriteLine("sqlite " + SqliteVersion());
        return CliExitCodes.Ok;
    }

    // Proves the SQLite inside the binary is callable (statically linked in AOT builds, see aot/).
    private static string SqliteVersion()
    {
        SQLitePCL.Batteries_V2.Init();
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "select sqlite_version()";
        return command.ExecuteScalar() as string ?? "unknown";
    }
}
