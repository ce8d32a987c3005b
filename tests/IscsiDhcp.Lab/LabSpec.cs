using IscsiDhcp.Lab.Dhcp;
using IscsiDhcp.Lab.Tgtd;

namespace IscsiDhcp.Lab;

/// <summary>What <c>lab.sh up</c> brings up: one tgtd target and, unless switched off, a DHCP network.</summary>
public sealed record LabSpec
{
    public int LunCount { get; init; } = 1;
    public long LunSize { get; init; } = 64L << 20;
    public ChapAccount? Chap { get; init; }
    public ChapAccount? MutualChap { get; init; }
    /// <summary>Null: no DHCP network.</summary>
    public DhcpServerKind? Dhcp { get; init; } = DhcpServerKind.Dnsmasq;
    public TimeSpan LeaseTime { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>Host numbers of the DHCP pool (the server is .1).</summary>
    public int RangeFirst { get; init; } = 10;
    public int RangeLast { get; init; } = 50;
    /// <summary>
    /// A host number for an address conflict: another host (a namespace of its own) holds it
    /// statically and the server reserves it for the client interface. Null: none.
    /// </summary>
    public int? ConflictHost { get; init; }
}
