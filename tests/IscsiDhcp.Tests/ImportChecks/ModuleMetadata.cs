using System.Reflection;
using System.Runtime.InteropServices;

namespace IscsiDhcp.Tests.ImportChecks;

/// <summary>A cmdlet as PowerShell sees it on import: its class and its [Cmdlet] attribute.</summary>
public sealed record CmdletInfo(Type Type, string Verb, string Noun)
{
    public string Name => $"{Verb}-{Noun}";
}

/// <summary>
/// Reads the module assembly's metadata without running it: PowerShellStandard.Library
/// is a reference assembly that cannot be loaded for execution, so the module is
/// opened in a <see cref="MetadataLoadContext"/> against it, as PowerShell's own
/// reflection would see it.
/// </summary>
public sealed class ModuleMetadata : IDisposable
{
    readonly MetadataLoadContext context;

    public ModuleMetadata()
    {
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Where(p => Path.GetFileName(p) != "System.Management.Automation.dll")
            .Append(RepoPaths.PowerShellReference)
            .Append(RepoPaths.ModuleAssembly)
            .Append(RepoPaths.CoreAssembly);
        context = new MetadataLoadContext(new PathAssemblyResolver(paths));
        Module = context.LoadFromAssemblyPath(RepoPaths.ModuleAssembly);
        Core = context.LoadFromAssemblyPath(RepoPaths.CoreAssembly);
        PowerShell = context.LoadFromAssemblyPath(RepoPaths.PowerShellReference);
    }

    public Assembly Module { get; }
    public Assembly Core { get; }
    public Assembly PowerShell { get; }

    /// <summary>Every public, non-abstract class of the module that carries [Cmdlet].</summary>
    public IReadOnlyList<CmdletInfo> Cmdlets() =>
        Module.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract)
            .SelectMany(t => t.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute")
                .Select(a => new CmdletInfo(t, (string)a.ConstructorArguments[0].Value!, (string)a.ConstructorArguments[1].Value!)))
            .ToList();

    /// <summary>The verbs PowerShell approves: the constants of its Verbs* classes.</summary>
    public ISet<string> ApprovedVerbs() =>
        PowerShell.GetTypes()
            .Where(t => t.Namespace == "System.Management.Automation" && t.Name.StartsWith("Verbs", StringComparison.Ordinal))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    public void Dispose() => context.Dispose();
}
