namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>What happened to a lease (the agent's events).</summary>
    public enum DhcpLeaseEventKind
    {
        /// <summary>An ACKed address is being probed (RFC 5227); Bound or Declined follows.</summary>
        Probing,
        Bound,
        Extended,
        Renewing,
        Rebinding,
        Expired,
        Nak,
        Released,
        Declined,
        Informed,
        Dropped,
        /// <summary>Another host claimed the held address; we announced it back (once per 10 s).</summary>
        Defended,
        /// <summary>Another host claimed the held address again within 10 s: the lease was given up and the client starts over.</summary>
        Conflict,
    }
}
