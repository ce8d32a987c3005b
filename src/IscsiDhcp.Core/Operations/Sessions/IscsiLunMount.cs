namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>A LUN attached as a block device of this host (Mount-IscsiLun): the kernel's NBD device over the agent's export.</summary>
    public sealed class IscsiLunMount
    {
        public string SessionIdentifier { get; internal set; } = "";
        public string TargetNodeAddress { get; internal set; } = "";
        public int Lun { get; internal set; }
        /// <summary>The block device, e.g. /dev/nbd0.</summary>
        public string Device { get; internal set; } = "";
        public string ExportUri { get; internal set; } = "";
        public bool IsReadOnly { get; internal set; }
    }
}
