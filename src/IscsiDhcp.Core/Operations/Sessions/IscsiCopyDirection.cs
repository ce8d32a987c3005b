namespace IscsiDhcp.Operations.Sessions
{
    public enum IscsiCopyDirection
    {
        LunToFile,
        FileToLun,
    }
}
