namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>What happened to a lease (the agent's events).</summary>
    public enum DhcpLeaseEventKind
    {
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
    }
}
