using System.Reflection;
using System.Runtime.InteropServices;

namespace TokenOps.Daemon;

/// <summary>Name, version and commit of this build (the SDK appends <c>+commit</c> to the informational version).</summary>
internal static class BuildInfo
{
    public const string Name = "tokenops";

    public static readonly string Version;
    public static readonly string? Commit;

    static BuildInfo()
    {
        var informational = typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        Version = plus < 0 ? informational : informational[..plus];
        Commit = plus < 0 ? null : informational[(plus + 1)..];
    }

    /// <summary>
    /// True in the published native binary. RuntimeFeature.IsDynamicCodeSupported cannot tell: PublishAot
    /// switches it off in JIT builds too. The host (hostpolicy) sets APP_CONTEXT_DEPS_FILES; NativeAOT has no host.
    /// </summary>
    public static bool IsNativeAot => AppContext.GetData("APP_CONTEXT_DEPS_FILES") is null;

    public static string Runtime => RuntimeInformation.FrameworkDescription + (IsNativeAot ? " (Native AOT)" : " (JIT)");

    /// <summary>One line for <c>tokenops version</c> and <c>--version</c>.</summary>
    public static string Describe()
    {
        var commit = Commit is null ? string.Empty : " commit " + (Commit.Length > 12 ? Commit[..12] : Commit);
        return $"{Name} {Version}{commit} ({Runtime}, {RuntimeInformation.RuntimeIdentifier})";
    }
}
