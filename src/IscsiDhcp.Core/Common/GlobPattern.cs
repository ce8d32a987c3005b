using System.Text;
using System.Text.RegularExpressions;

namespace IscsiDhcp.Common
{
    /// <summary>
    /// PowerShell's wildcards (* ? [abc] [a-z], ` escapes), case-insensitive, for filters in
    /// Core that cmdlets pass through as the user typed them.
    /// </summary>
    public sealed class GlobPattern
    {
        static readonly char[] Wildcards = { '*', '?', '[' };
        readonly Regex regex;

        public GlobPattern(string pattern)
        {
            var text = new StringBuilder("^");
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                switch (c)
                {
                    case '`' when i + 1 < pattern.Length:
                        text.Append(Regex.Escape(pattern[++i].ToString()));
                        break;
                    case '*':
                        text.Append(".*");
                        break;
                    case '?':
                        text.Append('.');
                        break;
                    case '[':
                        var close = pattern.IndexOf(']', i + 1);
                        if (close < 0) goto default;
                        text.Append('[').Append(pattern.Substring(i + 1, close - i - 1).Replace("\\", "\\\\")).Append(']');
                        i = close;
                        break;
                    default:
                        text.Append(Regex.Escape(c.ToString()));
                        break;
                }
            }
            regex = new Regex(text.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }

        public bool IsMatch(string text) => regex.IsMatch(text);

        /// <summary>Whether the text has a wildcard at all (a name without one that matches nothing is an error, not an empty result).</summary>
        public static bool HasWildcards(string pattern) => pattern.IndexOfAny(Wildcards) >= 0;
    }
}
