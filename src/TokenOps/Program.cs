using Microsoft.Data.Sqlite;

namespace TokenOps;

internal static class Program
{
    public static int Main(string[] args)
    {
        SQLitePCL.Batteries_V2.Init();
        using var c = new SqliteConnection("Data Source=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "select sqlite_version()";
        Console.WriteLine("sqlite " + cmd.ExecuteScalar());
        var app = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder(args);
        _ = app;
        return 0;
    }
}
