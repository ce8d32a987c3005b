namespace IscsiDhcp.Operations.Iscsi
{
    public enum IscsiCopyDirection
    {
        LunToFile,
        FileToLun,
    }
}
