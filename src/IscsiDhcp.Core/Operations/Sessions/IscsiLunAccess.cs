namespace IscsiDhcp.Operations.Sessions
{
    public enum IscsiLunAccess
    {
        Read,
        ReadWrite,
    }
}
