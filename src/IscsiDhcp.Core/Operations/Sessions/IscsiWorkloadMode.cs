namespace IscsiDhcp.Operations.Sessions
{
    public enum IscsiWorkloadMode
    {
        Read,
        Write,
    }
}
