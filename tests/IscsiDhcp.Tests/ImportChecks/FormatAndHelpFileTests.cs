using System.Xml.Linq;

namespace IscsiDhcp.Tests.ImportChecks;

/// <summary>The format file and the help files load, and name only real things.</summary>
public sealed class FormatAndHelpFileTests : IDisposable
{
    static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    readonly ModuleMetadata metadata = new();

    public void Dispose() => metadata.Dispose();

    const string Deserialized = "Deserialized.";

    [Fact]
    public void Every_format_view_names_a_real_Core_type_and_its_real_properties()
    {
        var format = XDocument.Load(RepoPaths.FormatFile);
        Assert.Equal("Configuration", format.Root!.Name.LocalName);
        Assert.NotNull(format.Root.Element("ViewDefinitions"));
        foreach (var view in format.Descendants("View"))
        {
            var name = view.Element("Name")?.Value;
            Assert.False(string.IsNullOrEmpty(name), "a view without a Name");
            var typeNames = view.Element("ViewSelectedBy")?.Elements("TypeName").Select(t => t.Value.Trim()).ToList() ?? [];
            Assert.True(typeNames.Count > 0, $"view {name} selects no type");
            foreach (var typeName in typeNames)
            {
                // What Start-Job, Receive-Job and remoting return carries the type's name with this prefix.
                var real = typeName.StartsWith(Deserialized, StringComparison.Ordinal) ? typeName[Deserialized.Length..] : typeName;
                var type = metadata.Core.GetType(real, throwOnError: false);
                Assert.True(type is not null, $"view {name} selects {typeName}, which Core does not define");
                foreach (var property in view.Descendants("PropertyName").Select(p => p.Value.Trim()))
                    Assert.True(type!.GetProperty(property) is not null, $"view {name}: {real} has no property {property}");
                foreach (var property in view.Descendants("ScriptBlock").SelectMany(b => System.Text.RegularExpressions.Regex.Matches(b.Value, @"\$_\.(\w+)").Select(m => m.Groups[1].Value)))
                    Assert.True(type!.GetProperty(property) is not null, $"view {name}: a script block reads {property}, which {real} does not have");
            }
        }
    }

    [Fact]
    public void Every_format_view_applies_to_the_deserialized_type_too()
    {
        var format = XDocument.Load(RepoPaths.FormatFile);
        foreach (var view in format.Descendants("View"))
        {
            var typeNames = view.Element("ViewSelectedBy")!.Elements("TypeName").Select(t => t.Value.Trim()).ToList();
            foreach (var typeName in typeNames.Where(t => !t.StartsWith(Deserialized, StringComparison.Ordinal)))
                Assert.True(typeNames.Contains(Deserialized + typeName), $"view {view.Element("Name")?.Value} selects {typeName} but not {Deserialized}{typeName}");
            foreach (var typeName in typeNames.Where(t => t.StartsWith(Deserialized, StringComparison.Ordinal)))
                Assert.True(typeNames.Contains(typeName[Deserialized.Length..]), $"view {view.Element("Name")?.Value} selects {typeName} without the live type");
        }
    }

    [Fact]
    public void The_MAML_help_is_well_formed_and_covers_exactly_the_cmdlets()
    {
        var maml = XDocument.Load(Path.Combine(RepoPaths.HelpFolder, "IscsiDhcp.dll-Help.xml"));
        Assert.Equal("helpItems", maml.Root!.Name.LocalName);
        Assert.Equal("maml", maml.Root.Attribute("schema")?.Value);
        var documented = maml.Root.Elements(Command + "command")
            .Select(c => c.Element(Command + "details")!.Element(Command + "name")!.Value.Trim())
            .Order(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(metadata.Cmdlets().Select(c => c.Name).Order(StringComparer.OrdinalIgnoreCase), documented);
    }

    [Fact]
    public void The_about_topic_has_the_shape_Get_Help_expects()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.HelpFolder, "about_IscsiDhcp.help.txt"));
        Assert.Equal("TOPIC", lines[0].Trim());
        Assert.Equal("about_IscsiDhcp", lines[1].Trim());
        Assert.Contains(lines, l => l.Trim() == "SHORT DESCRIPTION");
        Assert.Contains(lines, l => l.Trim() == "LONG DESCRIPTION");
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"about topics wrap at 80 columns: '{l}'"));
    }

    [Fact]
    public void Every_cmdlet_has_a_doc_page_and_the_module_page_lists_them()
    {
        var modulePage = File.ReadAllText(Path.Combine(RepoPaths.DocsFolder, "IscsiDhcp.md"));
        Assert.Contains("Module Name: IscsiDhcp", modulePage);
        foreach (var cmdlet in metadata.Cmdlets())
        {
            Assert.True(File.Exists(Path.Combine(RepoPaths.DocsFolder, cmdlet.Name + ".md")), $"docs/{cmdlet.Name}.md missing");
            Assert.Contains($"[{cmdlet.Name}]({cmdlet.Name}.md)", modulePage);
        }
    }
}
