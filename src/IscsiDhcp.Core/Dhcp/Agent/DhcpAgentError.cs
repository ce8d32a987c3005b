namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>Why the agent refused or could not finish a command (dhcpagent's DHCP_IPC_E_*).</summary>
    public enum DhcpAgentError
    {
        UnknownInterface,
        NotAllowedInState,
        Pending,
        Bootp,
        FailedInterface,
        Timeout,
        Permission,
        NoOption,
        NotSupported,
    }
}
