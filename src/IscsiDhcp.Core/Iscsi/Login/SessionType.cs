namespace IscsiDhcp.Iscsi.Login
{
    public enum SessionType
    {
        Normal,
        Discovery,
    }
}
