namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>The client states of RFC 2131 figure 5 and dhcpagent.</summary>
    public enum DhcpClientState
    {
        Init,
        Selecting,
        Requesting,
        /// <summary>The ACKed address is being probed with ARP before it is used (RFC 5227 2.1).</summary>
        Probing,
        Bound,
        Renewing,
        Rebinding,
        InitReboot,
        Informing,
        Information,
        Declining,
        Releasing,
        /// <summary>Not managed any more (after Release or Drop).</summary>
        Stopped,
    }
}
