namespace IscsiDhcp.Nbd
{
    /// <summary>The only error values a reply may carry (doc/proto.md, "Error values"); 0 is success.</summary>
    public enum NbdError : uint
    {
        None = 0,
        /// <summary>A write or trim on a read-only export.</summary>
        NotPermitted = 1,
        /// <summary>The storage failed (the iSCSI session was lost, a medium error).</summary>
        IO = 5,
        NoMemory = 12,
        /// <summary>A read or trim past the end, unaligned, an unknown command or flag.</summary>
        Invalid = 22,
        /// <summary>A write past the end.</summary>
        NoSpace = 28,
        /// <summary>A request longer than the maximum payload where the protocol allows this answer.</summary>
        Overflow = 75,
        NotSupported = 95,
        /// <summary>The server is shutting down (or the session behind the export has ended); the client must disconnect.</summary>
        Shutdown = 108,
    }
}
