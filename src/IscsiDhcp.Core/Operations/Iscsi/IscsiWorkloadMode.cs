namespace IscsiDhcp.Operations.Iscsi
{
    public enum IscsiWorkloadMode
    {
        Read,
        Write,
    }
}
