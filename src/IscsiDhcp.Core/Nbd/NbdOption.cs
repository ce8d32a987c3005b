namespace IscsiDhcp.Nbd
{
    /// <summary>Option types of the handshake phase (doc/proto.md, "Option types").</summary>
    public enum NbdOption : uint
    {
        ExportName = 1,
        Abort = 2,
        List = 3,
        PeekExport = 4,
        StartTls = 5,
        Info = 6,
        Go = 7,
        StructuredReply = 8,
        ListMetaContext = 9,
        SetMetaContext = 10,
        ExtendedHeaders = 11,
    }
}
