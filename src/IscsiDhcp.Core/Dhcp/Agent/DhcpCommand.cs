namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>The agent's commands (dhcpagent's IPC commands).</summary>
    public enum DhcpCommand
    {
        Drop,
        Extend,
        Ping,
        Release,
        Start,
        Status,
        Inform,
        GetOption,
    }
}
