namespace IscsiDhcp.Nbd
{
    /// <summary>Information types of NBD_OPT_INFO and NBD_OPT_GO (doc/proto.md, NBD_REP_INFO).</summary>
    public enum NbdInfoType : ushort
    {
        Export = 0,
        Name = 1,
        Description = 2,
        BlockSize = 3,
    }
}
