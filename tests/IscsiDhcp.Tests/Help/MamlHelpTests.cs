using System.Xml.Linq;

namespace IscsiDhcp.Tests.Help;

/// <summary>The MAML writer keeps a page's lists as lists: Get-Help shows one paragraph per maml:para.</summary>
public sealed class MamlHelpTests
{
    static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";

    [Fact]
    public void Each_list_item_is_a_paragraph_of_its_own_and_text_lines_join()
    {
        var text = "What it does on each failure:\n\n- Redirect: it follows it;\n  and comes back.\n- Target error: it retries.\n* Other: a star item.\n1. First\n2) Second\n\nA last paragraph\nover two lines.";
        Assert.Equal(
            [
                "What it does on each failure:",
                "- Redirect: it follows it; and comes back.",
                "- Target error: it retries.",
                "* Other: a star item.",
                "1. First",
                "2) Second",
                "A last paragraph over two lines.",
            ],
            MamlHelp.ParagraphsOf(text));
    }

    [Fact]
    public void A_hyphen_inside_a_line_starts_no_item()
    {
        Assert.Equal(["Logs in - and out - cleanly.", "-AsJob returns the job."], MamlHelp.ParagraphsOf("Logs in - and out - cleanly.\n\n-AsJob returns the job."));
    }

    [Fact]
    public void The_shipped_MAML_has_Connect_IscsiTarget_failure_list_as_separate_paragraphs()
    {
        var maml = XDocument.Load(Path.Combine(ImportChecks.RepoPaths.HelpFolder, "IscsiDhcp.dll-Help.xml"));
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        var connect = maml.Root!.Elements(command + "command").Single(c => c.Element(command + "details")!.Element(command + "name")!.Value == "Connect-IscsiTarget");
        var paragraphs = connect.Element(Maml + "description")!.Elements(Maml + "para").Select(p => p.Value).ToList();
        foreach (var item in new[] { "- Redirect:", "- Target error", "- Initiator error", "- Lost connection", "- The target asks for a logout" })
            Assert.Single(paragraphs, p => p.StartsWith(item, StringComparison.Ordinal));
    }
}
