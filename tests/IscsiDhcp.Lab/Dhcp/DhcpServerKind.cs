namespace IscsiDhcp.Lab.Dhcp;

/// <summary>Which real DHCP server serves a test network.</summary>
public enum DhcpServerKind
{
    Dnsmasq,
    Kea,
}
