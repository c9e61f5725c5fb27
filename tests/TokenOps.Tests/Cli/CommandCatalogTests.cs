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
