using System.Xml.Linq;

namespace TokenOps.Tests;

/// <summary>
/// Dependencies point one way (see STYLE.md): Core depends on the BCL only; the proxy never sees
/// storage, OTLP or insights; CLI and MCP are shells over Insights; only the executable sees everything.
/// A new project must be added here, with the references it is allowed to have.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["TokenOps.Core"] = [],
        ["TokenOps.Tokenizers"] = ["TokenOps.Core"],
        ["TokenOps.Optimizer"] = ["TokenOps.Core", "TokenOps.Tokenizers"],
        ["TokenOps.Proxy"] = ["TokenOps.Core", "TokenOps.Tokenizers", "TokenOps.Optimizer"],
        ["TokenOps.Storage"] = ["TokenOps.Core"],
        ["TokenOps.Otlp"] = ["TokenOps.Core"],
        ["TokenOps.Insights"] = ["TokenOps.Core", "TokenOps.Storage", "TokenOps.Tokenizers", "TokenOps.Optimizer"],
        ["TokenOps.Dashboard"] = ["TokenOps.Core", "TokenOps.Insights", "TokenOps.Storage"],
        ["TokenOps.Mcp"] = ["TokenOps.Core", "TokenOps.Insights", "TokenOps.Storage", "TokenOps.Tokenizers", "TokenOps.Optimizer"],
    };

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TokenOps.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("TokenOps.sln not found above " + AppContext.BaseDirectory);
    }

    private static string[] ProjectNames() =>
        [.. Directory.GetFiles(Path.Combine(RepositoryRoot(), "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(static f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> SourceProjects() => [.. ProjectNames()];

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void ProjectReferences_PointOneWay(string project)
    {
        var path = Path.Combine(RepositoryRoot(), "src", project, project + ".csproj");
        var references = XDocument.Load(path).Descendants("ProjectReference")
            .Select(static r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToArray();

        if (project == "TokenOps")
        {
            // The executable is the composition root: it may reference every library, but no test code.
            Assert.All(references, static r => Assert.DoesNotContain("Test", r, StringComparison.Ordinal));
            return;
        }

        Assert.True(Allowed.TryGetValue(project, out var allowed), $"{project} is not in the architecture table: add it with its allowed references");
        var backward = references.Except(allowed!, StringComparer.Ordinal).ToArray();
        Assert.True(backward.Length == 0, $"{project} references {string.Join(", ", backward)}; allowed: [{string.Join(", ", allowed!)}]");
    }

    [Fact]
    public void Table_CatchesABackwardEdge()
    {
        // The check above must be able to fail: Proxy -> Storage is exactly the edge STYLE.md forbids.
        Assert.DoesNotContain("TokenOps.Storage", Allowed["TokenOps.Proxy"]);
        Assert.DoesNotContain("TokenOps.Insights", Allowed["TokenOps.Proxy"]);
        Assert.Empty(Allowed["TokenOps.Core"]);
    }

    [Fact]
    public void Source_EveryProjectIsChecked()
    {
        var checkedProjects = ProjectNames();

        Assert.Contains("TokenOps", checkedProjects);
        Assert.Contains("TokenOps.Core", checkedProjects);
        Assert.Contains("TokenOps.Proxy", checkedProjects);
    }
}
