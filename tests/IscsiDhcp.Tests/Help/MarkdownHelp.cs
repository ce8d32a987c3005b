using System.Text;
using System.Text.RegularExpressions;

namespace IscsiDhcp.Tests.Help;

/// <summary>An example of a help page: a title, the code, and what it does.</summary>
public sealed record HelpExample(string Title, string Code, string Remarks);

/// <summary>What people write in a help page (the rest comes from the cmdlet's metadata).</summary>
public sealed record HelpText
{
    public string Synopsis { get; init; } = Placeholder;
    public string Description { get; init; } = Placeholder;
    public IReadOnlyList<HelpExample> Examples { get; init; } = [];
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Outputs { get; init; } = new Dictionary<string, string>();
    public string Notes { get; init; } = "";
    public IReadOnlyList<string> RelatedLinks { get; init; } = [];

    /// <summary>What a page says where nobody has written anything yet; a test refuses it.</summary>
    public const string Placeholder = "{{ Fill in }}";
}

/// <summary>
/// PlatyPS markdown (schema 2.0.0), the way Update-MarkdownHelp keeps it: the syntax and the
/// yaml block of each parameter come from the cmdlet, the words from the page as it was.
/// </summary>
public static class MarkdownHelp
{
    static readonly IFormatProvider Invariant = System.Globalization.CultureInfo.InvariantCulture;
    const string CommonParameters =
        "This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).";

    static readonly Dictionary<string, string> ShouldProcessParameters = new()
    {
        ["Confirm"] = "Prompts you for confirmation before running the cmdlet.",
        ["WhatIf"] = "Shows what would happen if the cmdlet runs. The cmdlet is not run.",
    };

    public static string Render(CmdletHelp cmdlet, HelpText text)
    {
        var page = new StringBuilder();
        page.Append("---\nexternal help file: IscsiDhcp.dll-Help.xml\nModule Name: IscsiDhcp\nonline version:\nschema: 2.0.0\n---\n\n");
        page.Append(Invariant, $"# {cmdlet.Name}\n\n## SYNOPSIS\n{text.Synopsis}\n\n## SYNTAX\n\n");
        foreach (var set in cmdlet.Sets)
        {
            if (set != ParameterHelp.AllParameterSets) page.Append(Invariant, $"### {set}{(set == cmdlet.DefaultSet ? " (Default)" : "")}\n");
            page.Append("```\n").Append(SyntaxLine(cmdlet, set)).Append("\n```\n\n");
        }
        page.Append(Invariant, $"## DESCRIPTION\n{text.Description}\n\n## EXAMPLES\n\n");
        for (var i = 0; i < text.Examples.Count; i++)
        {
            var example = text.Examples[i];
            page.Append(Invariant, $"### {example.Title}\n```powershell\n{example.Code}\n```\n\n{example.Remarks}\n\n");
        }
        page.Append("## PARAMETERS\n\n");
        foreach (var parameter in AllParameters(cmdlet))
        {
            page.Append(Invariant, $"### -{parameter.Name}\n{Describe(text, parameter.Name)}\n\n```yaml\n");
            page.Append(Invariant, $"Type: {parameter.TypeName}\n");
            page.Append(Invariant, $"Parameter Sets: {(parameter.AllSets ? "(All)" : string.Join(", ", parameter.Sets.Select(s => s.Set)))}\n");
            page.Append(Invariant, $"Aliases:{(parameter.Name == "Confirm" ? " cf" : parameter.Name == "WhatIf" ? " wi" : "")}\n\n");
            page.Append(Invariant, $"Required: {(parameter.Sets.Any(s => s.Mandatory) ? "True" : "False")}\n");
            page.Append(Invariant, $"Position: {(parameter.Sets[0].Position is { } position ? position.ToString(System.Globalization.CultureInfo.InvariantCulture) : "Named")}\n");
            page.Append("Default value: None\n");
            page.Append(Invariant, $"Accept pipeline input: {parameter.PipelineInput}\n");
            page.Append(Invariant, $"Accept wildcard characters: {(parameter.Wildcards ? "True" : "False")}\n```\n\n");
        }
        page.Append(Invariant, $"### CommonParameters\n{CommonParameters}\n\n## INPUTS\n\n");
        foreach (var input in InputTypes(cmdlet))
            page.Append(Invariant, $"### {input}\n{(text.Inputs.TryGetValue(input, out var about) ? about : HelpText.Placeholder)}\n\n");
        page.Append("## OUTPUTS\n\n");
        foreach (var output in cmdlet.Outputs)
            page.Append(Invariant, $"### {output}\n{(text.Outputs.TryGetValue(output, out var about) ? about : HelpText.Placeholder)}\n\n");
        page.Append(Invariant, $"## NOTES\n{text.Notes}\n\n## RELATED LINKS\n\n");
        foreach (var link in text.RelatedLinks) page.Append(link).Append("\n\n");
        return page.ToString().TrimEnd() + "\n";
    }

    /// <summary>The cmdlet's parameters and, when it supports ShouldProcess, -WhatIf and -Confirm, alphabetically as PlatyPS lists them.</summary>
    public static IEnumerable<ParameterHelp> AllParameters(CmdletHelp cmdlet)
    {
        var all = cmdlet.Parameters.ToList();
        if (cmdlet.SupportsShouldProcess)
            all.AddRange(ShouldProcessParameters.Keys.Select(n => new ParameterHelp(n, "SwitchParameter", true, [new ParameterInSet(ParameterHelp.AllParameterSets, false, null, false, false)], false)));
        return all.OrderBy(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>The types a cmdlet takes from the pipeline: those of its pipeline-bound parameters (None when it takes nothing).</summary>
    public static IReadOnlyList<string> InputTypes(CmdletHelp cmdlet)
    {
        var types = cmdlet.Parameters.Where(p => p.PipelineInput != "False").Select(p => p.ElementTypeFullName).Distinct().ToList();
        return types.Count == 0 ? ["None"] : types;
    }

    static string Describe(HelpText text, string parameter) =>
        text.Parameters.TryGetValue(parameter, out var about) ? about
        : ShouldProcessParameters.TryGetValue(parameter, out var standard) ? standard
        : HelpText.Placeholder;

    public static string SyntaxLine(CmdletHelp cmdlet, string set)
    {
        var parts = new List<string> { cmdlet.Name };
        foreach (var (parameter, binding) in cmdlet.InSet(set))
        {
            var name = binding.Position is not null ? $"[-{parameter.Name}]" : $"-{parameter.Name}";
            var item = parameter.IsSwitch ? $"-{parameter.Name}" : $"{name} <{parameter.TypeName}>";
            parts.Add(binding.Mandatory && !parameter.IsSwitch ? item : $"[{item}]");
        }
        if (cmdlet.SupportsShouldProcess) parts.AddRange(["[-WhatIf]", "[-Confirm]"]);
        parts.Add("[<CommonParameters>]");
        return string.Join(" ", parts);
    }

    /// <summary>The words of an existing page.</summary>
    public static HelpText Parse(string page)
    {
        var sections = Split(page, "\n## ");
        string Section(string name) => sections.TryGetValue(name, out var body) ? body.Trim() : "";

        var examples = new List<HelpExample>();
        foreach (var (title, body) in Split("\n" + Section("EXAMPLES"), "\n### "))
        {
            var code = Regex.Match(body, "```powershell\n(.*?)\n```", RegexOptions.Singleline);
            examples.Add(new HelpExample(title, code.Groups[1].Value, body[(code.Index + code.Length)..].Trim()));
        }
        var parameters = Split("\n" + Section("PARAMETERS"), "\n### -")
            .ToDictionary(kv => kv.Key, kv => (kv.Value.IndexOf("```yaml", StringComparison.Ordinal) is var yaml and >= 0 ? kv.Value[..yaml] : kv.Value).Trim());
        return new HelpText
        {
            Synopsis = Section("SYNOPSIS"),
            Description = Section("DESCRIPTION"),
            Examples = examples,
            Parameters = parameters,
            Inputs = Split("\n" + Section("INPUTS"), "\n### ").ToDictionary(kv => kv.Key, kv => kv.Value.Trim()),
            Outputs = Split("\n" + Section("OUTPUTS"), "\n### ").ToDictionary(kv => kv.Key, kv => kv.Value.Trim()),
            Notes = Section("NOTES"),
            RelatedLinks = Section("RELATED LINKS").Split('\n').Where(l => l.Trim().Length > 0).Select(l => l.Trim()).ToList(),
        };
    }

    /// <summary>Headed parts of a text: the heading's first line is the key, the rest its body.</summary>
    static Dictionary<string, string> Split(string text, string marker)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in text.Replace("\r\n", "\n").Split(marker).Skip(1))
        {
            var newline = chunk.IndexOf('\n');
            var heading = (newline < 0 ? chunk : chunk[..newline]).Trim();
            parts[heading] = newline < 0 ? "" : chunk[(newline + 1)..];
        }
        return parts;
    }
}
