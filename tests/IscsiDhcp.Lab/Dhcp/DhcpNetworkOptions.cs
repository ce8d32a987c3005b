namespace IscsiDhcp.Lab.Dhcp;

/// <summary>The shape of a DHCP test network: its server, address range and lease time.</summary>
public sealed record DhcpNetworkOptions
{
    public DhcpServerKind Server { get; init; } = DhcpServerKind.Dnsmasq;

    /// <summary>First host number handed out (the server is .1).</summary>
    public int RangeFirst { get; init; } = 10;

    /// <summary>Last host number handed out.</summary>
    public int RangeLast { get; init; } = 50;

    /// <summary>Lease time. dnsmasq refuses less than 120 s; kea takes any.</summary>
    public TimeSpan LeaseTime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Answer unknown INIT-REBOOT requests with a NAK (dnsmasq's --dhcp-authoritative; kea always does).</summary>
    public bool Authoritative { get; init; } = true;

    /// <summary>
    /// A host number the server reserves for the client interface's MAC (dnsmasq's --dhcp-host,
    /// a kea reservation) and offers it without checking first (dnsmasq's --no-ping): what an
    /// address-conflict test needs when another host holds that address.
    /// </summary>
    public int? ReservedHost { get; init; }

    public void Validate()
    {
        if (RangeFirst < 2 || RangeLast > 254 || RangeFirst > RangeLast)
            throw new ArgumentException($"range .{RangeFirst}-.{RangeLast} must lie within .2-.254 (the server is .1)");
        if (ReservedHost is < 2 or > 254)
            throw new ArgumentException($"reserved host .{ReservedHost} must lie within .2-.254 (the server is .1)");
        if (LeaseTime < TimeSpan.FromSeconds(1))
            throw new ArgumentException($"lease time {LeaseTime} is shorter than a second");
        if (Server == DhcpServerKind.Dnsmasq && LeaseTime < TimeSpan.FromMinutes(2))
            throw new ArgumentException($"dnsmasq hands out leases of at least 120 s; asked for {LeaseTime.TotalSeconds} s (use kea for shorter ones)");
    }
}
