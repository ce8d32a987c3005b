namespace IscsiDhcp.Operations.Iscsi
{
    public enum IscsiLunAccess
    {
        Read,
        ReadWrite,
    }
}
