namespace IscsiDhcp.Tests.ImportChecks;

/// <summary>Where the repository's files are, found from the test's output folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Manifest => Path.Combine(Root, "IscsiDhcp.psd1");
    public static string FormatFile => Path.Combine(Root, "src", "IscsiDhcp", "IscsiDhcp.Format.ps1xml");
    public static string HelpFolder => Path.Combine(Root, "en-US");
    public static string DocsFolder => Path.Combine(Root, "docs");

    /// <summary>Assemblies as built beside the tests (the project references copy them here).</summary>
    public static string ModuleAssembly => Path.Combine(AppContext.BaseDirectory, "IscsiDhcp.dll");
    public static string CoreAssembly => Path.Combine(AppContext.BaseDirectory, "IscsiDhcp.Core.dll");
    public static string PowerShellReference => Path.Combine(AppContext.BaseDirectory, "reference", "System.Management.Automation.dll");

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IscsiDhcp.psd1"))) return dir.FullName;
        throw new InvalidOperationException($"no IscsiDhcp.psd1 above {AppContext.BaseDirectory}");
    }
}
