using System.Xml.Linq;

namespace IscsiDhcp.Tests.Help;

/// <summary>
/// The MAML that Get-Help reads (en-US/IscsiDhcp.dll-Help.xml), made from the help pages as
/// PlatyPS's New-ExternalHelp makes it, so the two always say the same.
/// </summary>
public static class MamlHelp
{
    static readonly XNamespace Msh = "http://msh";
    static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static string Render(IEnumerable<(CmdletHelp Cmdlet, HelpText Text)> pages)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), pages.Select(p => Command_(p.Cmdlet, p.Text)));
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + root.ToString() + "\n";
    }

    static XElement Command_(CmdletHelp cmdlet, HelpText text)
    {
        var dash = cmdlet.Name.IndexOf('-');
        return new XElement(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", cmdlet.Name),
                new XElement(Command + "verb", cmdlet.Name[..dash]),
                new XElement(Command + "noun", cmdlet.Name[(dash + 1)..]),
                Description(text.Synopsis)),
            Description(text.Description),
            new XElement(Command + "syntax", cmdlet.Sets.Select(set =>
                new XElement(Command + "syntaxItem",
                    new XElement(Maml + "name", cmdlet.Name),
                    cmdlet.InSet(set).Select(x => Parameter(x.Parameter, text, x.Binding.Mandatory, x.Binding.Position)),
                    cmdlet.SupportsShouldProcess
                        ? MarkdownHelp.AllParameters(cmdlet).Where(p => p.Name is "WhatIf" or "Confirm").Select(p => Parameter(p, text, false, null))
                        : Enumerable.Empty<XElement>()))),
            new XElement(Command + "parameters", MarkdownHelp.AllParameters(cmdlet).Select(p =>
                Parameter(p, text, p.Sets.Any(s => s.Mandatory), p.Sets[0].Position))),
            new XElement(Command + "inputTypes", MarkdownHelp.InputTypes(cmdlet).Select(t =>
                new XElement(Command + "inputType", Type(t), Description(text.Inputs.GetValueOrDefault(t, ""))))),
            new XElement(Command + "returnValues", cmdlet.Outputs.Select(t =>
                new XElement(Command + "returnValue", Type(t), Description(text.Outputs.GetValueOrDefault(t, ""))))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(text.Notes))),
            new XElement(Command + "examples", text.Examples.Select(e =>
                new XElement(Command + "example",
                    new XElement(Maml + "title", $"-------------------------- {e.Title} --------------------------"),
                    new XElement(Dev + "code", e.Code),
                    new XElement(Dev + "remarks", Paragraphs(e.Remarks))))),
            new XElement(Command + "relatedLinks", text.RelatedLinks.Select(link =>
                new XElement(Maml + "navigationLink",
                    new XElement(Maml + "linkText", LinkText(link)),
                    new XElement(Maml + "uri", "")))));
    }

    static XElement Parameter(ParameterHelp parameter, HelpText text, bool required, int? position) =>
        new(Command + "parameter",
            new XAttribute("required", required ? "true" : "false"),
            new XAttribute("variableLength", parameter.TypeName.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", parameter.Wildcards ? "true" : "false"),
            new XAttribute("pipelineInput", parameter.PipelineInput),
            new XAttribute("position", position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named"),
            new XAttribute("aliases", parameter.Name == "Confirm" ? "cf" : parameter.Name == "WhatIf" ? "wi" : "none"),
            new XElement(Maml + "name", parameter.Name),
            Description(text.Parameters.GetValueOrDefault(parameter.Name, ParameterDescription(parameter.Name))),
            parameter.IsSwitch ? null : new XElement(Command + "parameterValue", new XAttribute("required", "true"), new XAttribute("variableLength", "false"), parameter.TypeName),
            Type(parameter.TypeName),
            new XElement(Dev + "defaultValue", parameter.IsSwitch ? "False" : "None"));

    static string ParameterDescription(string name) => name switch
    {
        "Confirm" => "Prompts you for confirmation before running the cmdlet.",
        "WhatIf" => "Shows what would happen if the cmdlet runs. The cmdlet is not run.",
        _ => "",
    };

    static XElement Type(string name) => new(Dev + "type", new XElement(Maml + "name", name), new XElement(Maml + "uri"));

    static XElement Description(string text) => new(Maml + "description", Paragraphs(text));

    /// <summary>
    /// The paragraphs of a text, as PlatyPS's New-ExternalHelp makes them: blank lines
    /// separate paragraphs, and each item of a list ("- ", "* ", "1. ") is a paragraph of
    /// its own, marker kept, so Get-Help shows the list as a list rather than one run-on
    /// paragraph. Lines that continue a paragraph or an item are joined to it.
    /// </summary>
    public static IReadOnlyList<string> ParagraphsOf(string text)
    {
        var paragraphs = new List<string>();
        foreach (var block in text.Replace("\r\n", "\n").Split("\n\n"))
        {
            var current = new List<string>();
            foreach (var line in block.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
            {
                if (ListItem.IsMatch(line) && current.Count > 0)
                {
                    paragraphs.Add(string.Join(" ", current));
                    current.Clear();
                }
                current.Add(line);
            }
            if (current.Count > 0) paragraphs.Add(string.Join(" ", current));
        }
        return paragraphs;
    }

    static readonly System.Text.RegularExpressions.Regex ListItem = new(@"^([-*+]|\d+[.)])\s");

    static IEnumerable<XElement> Paragraphs(string text) => ParagraphsOf(text).Select(p => new XElement(Maml + "para", p));

    /// <summary>
    /// What a MAML file says, as lines to compare: names, synopses, descriptions, syntax,
    /// parameters (required, position, pipeline input, wildcards, type) and example code,
    /// with layout and whitespace left out, so PlatyPS's New-ExternalHelp and this writer
    /// can be held to the same content.
    /// </summary>
    public static IReadOnlyList<string> Content(string maml)
    {
        var lines = new List<string>();
        foreach (var command in XDocument.Parse(maml).Root!.Elements(Command + "command"))
        {
            var name = command.Element(Command + "details")!.Element(Command + "name")!.Value.Trim();
            lines.Add($"{name} synopsis: {Text(command.Element(Command + "details")!.Element(Maml + "description"))}");
            lines.Add($"{name} description: {Text(command.Element(Maml + "description"))}");
            foreach (var item in command.Element(Command + "syntax")?.Elements(Command + "syntaxItem") ?? [])
                lines.Add($"{name} syntax: {string.Join(" ", item.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value.Trim()).Order(StringComparer.Ordinal))}");
            foreach (var parameter in command.Element(Command + "parameters")?.Elements(Command + "parameter") ?? [])
            {
                string Attribute(string attribute) => (parameter.Attribute(attribute)?.Value ?? "").Replace(" ", "").ToLowerInvariant();
                lines.Add($"{name} -{parameter.Element(Maml + "name")!.Value.Trim()}: required={Attribute("required")} position={Attribute("position")} " +
                          $"pipeline={Attribute("pipelineInput")} globbing={Attribute("globbing")} type={parameter.Element(Dev + "type")?.Element(Maml + "name")?.Value.Trim()} " +
                          $"about={Text(parameter.Element(Maml + "description"))}");
            }
            foreach (var example in command.Element(Command + "examples")?.Elements(Command + "example") ?? [])
                lines.Add($"{name} example: {Normalize(example.Element(Dev + "code")?.Value ?? "")}");
        }
        return lines;
    }

    /// <summary>A description's paragraphs, each normalized, with the breaks between them kept: a list folded into one paragraph is a difference.</summary>
    static string Text(XElement? element) => string.Join(" ¶ ", element?.Elements(Maml + "para").Select(p => Normalize(p.Value)).Where(p => p.Length > 0) ?? []);

    static string Normalize(string text) => string.Join(" ", text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>"[Get-Job](Get-Job.md)" is shown as "Get-Job".</summary>
    static string LinkText(string link)
    {
        var close = link.IndexOf(']');
        return link.StartsWith('[') && close > 0 ? link[1..close] : link;
    }
}
