using System.Text;
using System.Text.RegularExpressions;

namespace IscsiDhcp.Tests.ImportChecks;

/// <summary>
/// Finds PowerShell 7-only operators in a script that must also run in Windows
/// PowerShell 5.1: <c>??</c>, <c>??=</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>?.</c>,
/// <c>?[</c> and the ternary <c>a ? b : c</c>. Comments and string contents are
/// blanked first, so text about the operators does not count.
/// </summary>
public static partial class PowerShell51Syntax
{
    public static IReadOnlyList<string> Violations(string script)
    {
        var code = BlankCommentsAndStrings(script);
        var found = new List<string>();
        foreach (Match m in Ps7Operator().Matches(code))
        {
            var line = 1 + code.AsSpan(0, m.Index).Count('\n');
            found.Add($"line {line}: '{m.Value.Trim()}' is PowerShell 7 only");
        }
        return found;
    }

    // ?? and ??=; && and || (pipeline chains); ?. and ?[ after a variable or brace;
    // a lone ? between spaces that does not follow a pipe (Where-Object's alias does).
    [GeneratedRegex(@"\?\?=?|&&|\|\||(?<=[\w}])\?[.\[]|(?<![|\s])\s+\?\s")]
    private static partial Regex Ps7Operator();

    /// <summary>Replaces comments and the inside of strings with spaces, keeping line numbers.</summary>
    public static string BlankCommentsAndStrings(string s)
    {
        var sb = new StringBuilder(s.Length);
        var i = 0;
        void Blank(int end)
        {
            for (; i < end && i < s.Length; i++) sb.Append(s[i] == '\n' ? '\n' : ' ');
        }
        while (i < s.Length)
        {
            if (s[i] == '#') Blank(IndexOrEnd(s.IndexOf('\n', i)));
            else if (Starts(s, i, "<#")) Blank(IndexOrEnd(s.IndexOf("#>", i, StringComparison.Ordinal), 2));
            else if (Starts(s, i, "@'\n") || Starts(s, i, "@'\r\n")) Blank(IndexOrEnd(s.IndexOf("\n'@", i, StringComparison.Ordinal), 3));
            else if (Starts(s, i, "@\"\n") || Starts(s, i, "@\"\r\n")) Blank(IndexOrEnd(s.IndexOf("\n\"@", i, StringComparison.Ordinal), 3));
            else if (s[i] == '\'') Blank(QuotedEnd(s, i, '\'', escape: null));
            else if (s[i] == '"') Blank(QuotedEnd(s, i, '"', escape: '`'));
            else sb.Append(s[i++]);
        }
        return sb.ToString();

        int IndexOrEnd(int index, int extra = 0) => index < 0 ? s.Length : index + extra;
    }

    static bool Starts(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;

    static int QuotedEnd(string s, int start, char quote, char? escape)
    {
        for (var i = start + 1; i < s.Length; i++)
        {
            if (escape is { } e && s[i] == e) { i++; continue; }
            if (s[i] != quote) continue;
            if (i + 1 < s.Length && s[i + 1] == quote) { i++; continue; }   // doubled quote
            return i + 1;
        }
        return s.Length;
    }
}
