using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// Whether a command may run on a lease now, in dhcpagent's order: a BOOTP lease refuses
    /// DHCP-only commands whatever its state, then the state x command table, then the rule
    /// of one outstanding transaction per lease.
    /// </summary>
    static class DhcpCommandAdmission
    {
        /// <summary>A BOOTP lease cannot be extended, released or informed (dhcpagent's DHCP_IPC_E_BOOTP).</summary>
        public static void RefuseBootp(string interfaceName, bool bootp, DhcpCommand command)
        {
            if (bootp && command is DhcpCommand.Extend or DhcpCommand.Release or DhcpCommand.Inform)
                throw new DhcpAgentException(DhcpAgentError.Bootp, $"{interfaceName}: the lease came from a BOOTP server; {command} is a DHCP-only command");
        }

        public static void RefuseByTable(string interfaceName, DhcpClientState state, DhcpCommand command)
        {
            if (!DhcpCommandTable.IsAllowed(state, command))
                throw new DhcpAgentException(DhcpAgentError.NotAllowedInState, $"{interfaceName}: {command} is not allowed while the lease is {state}");
        }

        /// <summary>All three checks for an asynchronous command; START may restart a START under way.</summary>
        public static void Admit(string interfaceName, DhcpClientState state, bool bootp, DhcpCommand? pending, DhcpCommand command, bool allowRestart)
        {
            RefuseBootp(interfaceName, bootp, command);
            RefuseByTable(interfaceName, state, command);
            if (pending is { } busy && !(allowRestart && busy == DhcpCommand.Start))
                throw new DhcpAgentException(DhcpAgentError.Pending, $"{interfaceName}: {busy} is still in progress; {command} must wait for it");
        }
    }
}
