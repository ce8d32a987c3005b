namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Logout Request reason codes (RFC 7143 section 11.14.1).</summary>
    public enum LogoutReason : byte
    {
        CloseSession = 0,
        CloseConnection = 1,
        RemoveConnectionForRecovery = 2,
    }
}
