using System.Reflection;
using TokenOps.Cli;

namespace TokenOps.Tests.Cli;

public sealed class CommandCatalogTests
{
    [Fact]
    public void Names_MatchEveryCommandMethod()
    {
        var first = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in typeof(CommandCatalog).Assembly.GetTypes())
        {
            if (type.Namespace != "TokenOps.Cli")
            {
                continue;
            }

            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                var attribute = method.GetCustomAttributes().FirstOrDefault(static a => a.GetType().Name == "CommandAttribute");
                if (attribute is null)
                {
                    continue;
                }

                // Groups added with a prefix (app.Add<ConfigCommands>("config")) are named by their class.
                var name = type.Name == "ConfigCommands" ? "config" : ((string)attribute.GetType().GetProperty("Command")!.GetValue(attribute)!).Split(' ')[0];
                first.Add(name);
            }
        }

        Assert.Equal(first, new SortedSet<string>(CommandCatalog.Names, StringComparer.Ordinal));
    }

    /// <summary>
    /// Every command the catalog names is registered with the app, so the root help lists it (command classes left out
    /// of Program.Main made `tokenops latency` and `tokenops dashboard` print the root usage and exit 0).
    /// </summary>
    [Fact]
    public async Task EveryName_IsRegistered_TheRootHelpListsIt()
    {
        var original = Console.Out;
        using var captured = new StringWriter();
        try
        {
            Console.SetOut(captured);
            await Program.Main(["--help"]);
        }
        finally
        {
            Console.SetOut(original);
        }

        var listed = captured.ToString().Split('\n')
            .SkipWhile(static line => !line.StartsWith("Commands:", StringComparison.Ordinal)).Skip(1)
            .Where(static line => line.StartsWith("  ", StringComparison.Ordinal))
            .Select(static line => line.TrimStart().Split(' ')[0])
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("start", listed);
        Assert.All(CommandCatalog.Names, name => Assert.True(listed.Contains(name), $"the root help does not list `{name}`: it is not registered in Program.Main"));
    }

    [Theory]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "--help" }, null)]
    [InlineData(new[] { "--version" }, null)]
    [InlineData(new[] { "start", "--listen", "x" }, null)]
    [InlineData(new[] { "config", "show" }, null)]
    [InlineData(new[] { "strat" }, "strat")]
    [InlineData(new[] { "serve-me" }, "serve-me")]
    public void FindUnknownCommand_OnlyUnknownFirstWord(string[] args, string? expected)
    {
        Assert.Equal(expected, CommandCatalog.FindUnknownCommand(args));
    }
}
