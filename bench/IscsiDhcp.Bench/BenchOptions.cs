using System.Globalization;

namespace IscsiDhcp.Bench;

/// <summary>The command line of a bench run: --name value pairs and flags.</summary>
public sealed class BenchOptions
{
    readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);

    public BenchOptions(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null) values[pending] = null;
                pending = arg[2..];
            }
            else if (pending is not null)
            {
                values[pending] = arg;
                pending = null;
            }
            else throw new ArgumentException($"unexpected argument '{arg}'");
        }
        if (pending is not null) values[pending] = null;
    }

    public string Text(string name) =>
        values.TryGetValue(name, out var v) && v is not null ? v : throw new ArgumentException($"--{name} is required");

    public int Number(string name, int fallback)
    {
        if (!values.TryGetValue(name, out var v)) return fallback;
        return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new ArgumentException($"--{name} takes a positive whole number, not '{v}'");
    }

    /// <summary>A byte count: a whole number, optionally with K, M or G (powers of 1024); 0 when absent.</summary>
    public long Bytes(string name)
    {
        if (!values.TryGetValue(name, out var v)) return 0;
        var text = v ?? "";
        var scale = 1L;
        var unit = text.Length > 0 ? char.ToUpperInvariant(text[^1]) : ' ';
        if (unit is 'K' or 'M' or 'G')
        {
            scale = unit switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 };
            text = text[..^1];
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= long.MaxValue / scale
            ? n * scale : throw new ArgumentException($"--{name} takes a positive byte count (K, M, G allowed), not '{v}'");
    }

    public string? OptionalText(string name) => values.TryGetValue(name, out var v) ? v ?? throw new ArgumentException($"--{name} takes a value") : null;

    public bool Flag(string name) => values.ContainsKey(name);
}
