using System.Globalization;
using System.Text;

namespace IscsiDhcp.Tests.ImportChecks;

/// <summary>
/// Reads a PowerShell data file (.psd1) the way Import-PowerShellDataFile would: the
/// restricted language only (hashtables, arrays, single- and double-quoted strings
/// without expansion, numbers, $true, $false, $null, comments). Anything else is an
/// error, which is what PowerShell would make of it in a manifest too.
/// </summary>
public sealed class Psd1Reader
{
    readonly string text;
    int pos;

    Psd1Reader(string text) { this.text = text; }

    /// <summary>The top-level hashtable of a .psd1 file; keys compare case-insensitively, as in PowerShell.</summary>
    public static Dictionary<string, object?> ReadFile(string path) => Read(File.ReadAllText(path));

    public static Dictionary<string, object?> Read(string text)
    {
        var reader = new Psd1Reader(text);
        var value = reader.Value();
        reader.SkipSpace(newlines: true);
        if (reader.pos != text.Length) throw reader.Error("text after the top-level hashtable");
        return value as Dictionary<string, object?> ?? throw reader.Error("a data file must hold one hashtable");
    }

    object? Value()
    {
        var first = Single();
        SkipSpace(newlines: false);
        if (Peek() != ',') return first;
        var list = new List<object?> { first };
        while (Peek() == ',')
        {
            pos++;
            SkipSpace(newlines: true);
            list.Add(Single());
            SkipSpace(newlines: false);
        }
        return list;
    }

    object? Single()
    {
        SkipSpace(newlines: true);
        if (Match("@{")) return Hashtable();
        if (Match("@(")) return Array();
        return Peek() switch
        {
            '\'' => SingleQuoted(),
            '"' => DoubleQuoted(),
            '$' => Constant(),
            var c when char.IsDigit(c) || c == '-' || c == '.' => Number(),
            _ => throw Error("a value"),
        };
    }

    Dictionary<string, object?> Hashtable()
    {
        var table = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipSeparators();
            if (Match("}")) return table;
            var key = Peek() switch
            {
                '\'' => SingleQuoted(),
                '"' => DoubleQuoted(),
                _ => Bareword(),
            };
            SkipSpace(newlines: false);
            if (!Match("=")) throw Error($"'=' after key '{key}'");
            if (!table.TryAdd(key, Value())) throw Error($"duplicate key '{key}'");
        }
    }

    List<object?> Array()
    {
        var list = new List<object?>();
        while (true)
        {
            SkipSeparators();
            if (Match(")")) return list;
            switch (Value())
            {
                case List<object?> items: list.AddRange(items); break;
                case var item: list.Add(item); break;
            }
        }
    }

    string SingleQuoted()
    {
        pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (pos >= text.Length) throw Error("closing quote");
            var c = text[pos++];
            if (c == '\'')
            {
                if (Peek() != '\'') return sb.ToString();
                pos++;
            }
            sb.Append(c);
        }
    }

    string DoubleQuoted()
    {
        pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (pos >= text.Length) throw Error("closing quote");
            var c = text[pos++];
            if (c == '"')
            {
                if (Peek() != '"') return sb.ToString();
                pos++;
            }
            else if (c == '`' && pos < text.Length) c = text[pos++];
            else if (c == '$') throw Error("a string without variables ($ expands in double quotes; data files forbid it)");
            sb.Append(c);
        }
    }

    object? Constant()
    {
        var word = Bareword(start: 1);
        return word.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            "null" => null,
            _ => throw Error($"$true, $false or $null, not ${word}"),
        };
    }

    object Number()
    {
        var start = pos;
        while (pos < text.Length && (char.IsLetterOrDigit(text[pos]) || text[pos] is '.' or '-')) pos++;
        var token = text[start..pos];
        if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return n;
        if (decimal.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        throw Error($"a number, not '{token}'");
    }

    string Bareword(int start = 0)
    {
        pos += start;
        var begin = pos;
        while (pos < text.Length && (char.IsLetterOrDigit(text[pos]) || text[pos] is '_' or '-')) pos++;
        if (pos == begin) throw Error("a name");
        return text[begin..pos];
    }

    void SkipSeparators()
    {
        while (true)
        {
            SkipSpace(newlines: true);
            if (Peek() is ';' or ',') pos++;
            else return;
        }
    }

    void SkipSpace(bool newlines)
    {
        while (pos < text.Length)
        {
            var c = text[pos];
            if (c == '#') { while (pos < text.Length && text[pos] != '\n') pos++; }
            else if (Match("<#"))
            {
                var end = text.IndexOf("#>", pos, StringComparison.Ordinal);
                if (end < 0) throw Error("end of block comment '#>'");
                pos = end + 2;
            }
            else if (c == '\n' ? newlines : char.IsWhiteSpace(c)) pos++;
            else return;
        }
    }

    char Peek() => pos < text.Length ? text[pos] : '\0';

    bool Match(string token)
    {
        if (string.CompareOrdinal(text, pos, token, 0, token.Length) != 0) return false;
        pos += token.Length;
        return true;
    }

    FormatException Error(string expected)
    {
        var line = 1 + text.AsSpan(0, Math.Min(pos, text.Length)).Count('\n');
        return new FormatException($"psd1 line {line}: expected {expected}");
    }
}
