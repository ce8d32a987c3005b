using System.Reflection;

namespace IscsiDhcp.Tests.ImportChecks;

/// <summary>What Test-ModuleManifest and Import-Module would check, checked here without PowerShell.</summary>
public sealed class ModuleManifestTests : IDisposable
{
    readonly Dictionary<string, object?> manifest = Psd1Reader.ReadFile(RepoPaths.Manifest);
    readonly ModuleMetadata metadata = new();

    public void Dispose() => metadata.Dispose();

    static List<string> Strings(object? value) => value switch
    {
        List<object?> list => list.Cast<string>().ToList(),
        string s => [s],
        null => [],
        _ => throw new InvalidCastException($"not a string list: {value}"),
    };

    [Fact]
    public void Manifest_loads_both_editions_from_PowerShell_5_1()
    {
        Assert.Equal("IscsiDhcp.dll", manifest["RootModule"]);
        Assert.Equal(["Core", "Desktop"], Strings(manifest["CompatiblePSEditions"]).Order());
        Assert.Equal("5.1", manifest["PowerShellVersion"]);
        Assert.True(Guid.TryParse((string?)manifest["GUID"], out _), "GUID is not a GUID");
        Assert.False(string.IsNullOrWhiteSpace((string?)manifest["Description"]), "Description is required by the Gallery");
    }

    [Fact]
    public void The_one_version_number_flows_into_both_assemblies()
    {
        var version = Version.Parse((string)manifest["ModuleVersion"]!);
        var expected = new Version(version.Major, version.Minor, version.Build, 0);
        foreach (var assembly in new[] { metadata.Module, metadata.Core })
        {
            Assert.Equal(expected, assembly.GetName().Version);
            var informational = assembly.GetCustomAttributesData()
                .Single(a => a.AttributeType.Name == nameof(AssemblyInformationalVersionAttribute))
                .ConstructorArguments[0].Value as string;
            Assert.StartsWith(version.ToString(3), informational);
        }
    }

    [Fact]
    public void Export_lists_are_explicit_never_wildcards()
    {
        foreach (var key in new[] { "CmdletsToExport", "FunctionsToExport", "VariablesToExport", "AliasesToExport" })
        {
            Assert.True(manifest.ContainsKey(key), $"{key} missing: PowerShell would then export everything");
            Assert.DoesNotContain(Strings(manifest[key]), name => name.Contains('*', StringComparison.Ordinal));
        }
    }

    [Fact]
    public void CmdletsToExport_names_exactly_the_cmdlets_the_assembly_defines()
    {
        var exported = Strings(manifest["CmdletsToExport"]).Order(StringComparer.OrdinalIgnoreCase);
        var defined = metadata.Cmdlets().Select(c => c.Name).Order(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(defined, exported);
    }

    [Fact]
    public void Files_the_manifest_names_exist()
    {
        foreach (var format in Strings(manifest["FormatsToProcess"]))
            Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "src", "IscsiDhcp", format)), $"format file {format} missing from src/IscsiDhcp");
        Assert.True(File.Exists(RepoPaths.ModuleAssembly), "the root module was not built");
    }

    [Fact]
    public void Gallery_metadata_is_complete()
    {
        var privateData = Assert.IsType<Dictionary<string, object?>>(manifest["PrivateData"]);
        var psData = Assert.IsType<Dictionary<string, object?>>(privateData["PSData"]);
        var tags = Strings(psData["Tags"]);
        Assert.NotEmpty(tags);
        Assert.All(tags, t => Assert.DoesNotContain(' ', t));   // the Gallery rejects tags with spaces
        Assert.Contains("PSEdition_Desktop", tags);
        Assert.Contains("PSEdition_Core", tags);
        foreach (var uri in new[] { "LicenseUri", "ProjectUri" })
            Assert.True(Uri.TryCreate((string?)psData[uri], UriKind.Absolute, out _), $"{uri} is not an absolute URI");
        Assert.False(string.IsNullOrWhiteSpace((string?)psData["ReleaseNotes"]));
    }

    [Fact]
    public void Core_never_references_PowerShell()
    {
        Assert.DoesNotContain(metadata.Core.GetReferencedAssemblies(), a => a.Name == "System.Management.Automation");
    }

    [Fact]
    public void Both_assemblies_are_built_against_netstandard2_0_so_Windows_PowerShell_5_1_loads_them()
    {
        foreach (var assembly in new[] { metadata.Module, metadata.Core })
        {
            var references = assembly.GetReferencedAssemblies();
            Assert.Contains(references, a => a.Name == "netstandard" && a.Version == new Version(2, 0, 0, 0));
            // System.Runtime would mean a .NET (Core) target that .NET Framework 4.x cannot load.
            Assert.DoesNotContain(references, a => a.Name == "System.Runtime");
        }
    }

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb_and_declares_its_output()
    {
        var approved = metadata.ApprovedVerbs();
        Assert.Contains("Get", approved);          // the verb list itself was read
        foreach (var cmdlet in metadata.Cmdlets())
        {
            Assert.Contains(cmdlet.Verb, approved);
            Assert.Equal($"{cmdlet.Verb}{cmdlet.Noun}Command", cmdlet.Type.Name);
            Assert.Contains(cmdlet.Type.GetCustomAttributesData(), a => a.AttributeType.Name == "OutputTypeAttribute");
        }
    }
}
