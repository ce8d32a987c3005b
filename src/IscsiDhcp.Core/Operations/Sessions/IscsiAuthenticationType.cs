namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>How a login authenticates (Windows' iSCSI module names).</summary>
    public enum IscsiAuthenticationType
    {
        None,
        /// <summary>The target checks us (CHAP).</summary>
        OneWayChap,
        /// <summary>Each side checks the other (CHAP both ways).</summary>
        MutualChap,
    }
}
