namespace IscsiDhcp.Lab;

/// <summary>The kinds of thing a lab run creates and must remove again.</summary>
public enum LabResourceKind
{
    /// <summary>A background process: value is "pid starttime name".</summary>
    Process,
    /// <summary>A network namespace (removing it removes the veth end inside).</summary>
    Netns,
    /// <summary>A network link in the root namespace.</summary>
    Link,
    /// <summary>A file outside the run's folder (tgtd's control sockets).</summary>
    File,
    /// <summary>A /24 reserved for a test network: nothing to remove, it only keeps runs apart.</summary>
    Subnet,
}

/// <summary>One line of a run's journal.</summary>
public sealed record LabResource(LabResourceKind Kind, string Value)
{
    public override string ToString() => $"{Kind} {Value}";

    public static LabResource Parse(string line)
    {
        var space = line.IndexOf(' ');
        if (space < 0 || !Enum.TryParse<LabResourceKind>(line[..space], out var kind))
            throw new LabException($"unreadable journal line: '{line}'");
        return new LabResource(kind, line[(space + 1)..]);
    }
}
