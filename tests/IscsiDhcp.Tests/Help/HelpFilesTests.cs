using IscsiDhcp.Tests.ImportChecks;

namespace IscsiDhcp.Tests.Help;

/// <summary>
/// The help cannot drift from the code: each page's syntax and parameter blocks are what the
/// cmdlet's metadata says (name, type, mandatory, position, pipeline input, sets), and the MAML
/// says what the pages say. To regenerate both after changing a cmdlet (keeping every word
/// written): ISCSIDHCP_UPDATE_HELP=1 dotnet test tests/IscsiDhcp.Tests --filter HelpFilesTests
/// </summary>
public sealed class HelpFilesTests : IDisposable
{
    readonly ModuleMetadata metadata = new();

    public void Dispose() => metadata.Dispose();

    static bool Updating => Environment.GetEnvironmentVariable("ISCSIDHCP_UPDATE_HELP") == "1";

    List<(CmdletHelp Cmdlet, HelpText Text, string Path)> Pages() =>
        metadata.Cmdlets().OrderBy(c => c.Name, StringComparer.Ordinal).Select(c =>
        {
            var path = Path.Combine(RepoPaths.DocsFolder, c.Name + ".md");
            var text = File.Exists(path) ? MarkdownHelp.Parse(File.ReadAllText(path)) : new HelpText();
            return (CmdletHelp.From(c), text, path);
        }).ToList();

    [Fact]
    public void Each_page_matches_its_cmdlet_and_the_MAML_matches_the_pages()
    {
        var drift = new List<string>();
        var pages = Pages();
        foreach (var (cmdlet, text, path) in pages)
            Check(path, MarkdownHelp.Render(cmdlet, text), drift);
        // The MAML is held to the pages' content, not to this writer's layout: build.ps1 -Task Help
        // may regenerate it with PlatyPS.
        var mamlPath = Path.Combine(RepoPaths.HelpFolder, "IscsiDhcp.dll-Help.xml");
        var maml = MamlHelp.Render(pages.Select(p => (p.Cmdlet, p.Text)));
        if (!File.Exists(mamlPath) || !MamlHelp.Content(File.ReadAllText(mamlPath)).SequenceEqual(MamlHelp.Content(maml)))
        {
            if (Updating) File.WriteAllText(mamlPath, maml);
            else drift.Add(Path.GetFileName(mamlPath));
        }
        Assert.True(drift.Count == 0,
            $"out of date: {string.Join(", ", drift)}; regenerate with ISCSIDHCP_UPDATE_HELP=1 dotnet test tests/IscsiDhcp.Tests --filter HelpFilesTests");
    }

    [Fact]
    public void Every_page_is_written_with_two_examples_one_of_them_a_pipeline()
    {
        foreach (var (cmdlet, text, path) in Pages())
        {
            var page = File.ReadAllText(path);
            Assert.False(page.Contains(HelpText.Placeholder, StringComparison.Ordinal), $"{cmdlet.Name}: the page still says {HelpText.Placeholder}");
            Assert.DoesNotContain('\n', text.Synopsis);
            Assert.True(text.Examples.Count >= 2, $"{cmdlet.Name}: {text.Examples.Count} examples");
            Assert.Contains(text.Examples, e => e.Code.Contains('|', StringComparison.Ordinal));
            Assert.All(text.Examples, e => Assert.False(string.IsNullOrWhiteSpace(e.Code) || string.IsNullOrWhiteSpace(e.Remarks), $"{cmdlet.Name}: {e.Title} lacks code or words"));
            Assert.NotEmpty(text.RelatedLinks);
        }
    }

    static void Check(string path, string expected, List<string> drift)
    {
        if (File.Exists(path) && File.ReadAllText(path) == expected) return;
        if (Updating) File.WriteAllText(path, expected);
        else drift.Add(Path.GetFileName(path));
    }
}
