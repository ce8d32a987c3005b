namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>What a target's Asynchronous Message asks of us (RFC 7143 section 11.9.1).</summary>
    public enum IscsiAsyncEventKind
    {
        ScsiEvent = 0,
        LogoutRequested = 1,
        ConnectionDropped = 2,
        SessionDropped = 3,
        RenegotiationRequested = 4,
        VendorSpecific = 255,
    }
}
