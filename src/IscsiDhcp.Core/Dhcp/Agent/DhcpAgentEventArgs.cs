using System;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>A lease event as the agent reports it: which interface, and the event with the lease before and after.</summary>
    public sealed class DhcpAgentEventArgs : EventArgs
    {
        public DhcpAgentEventArgs(string interfaceName, DhcpLeaseEventArgs leaseEvent)
        {
            InterfaceName = interfaceName;
            Event = leaseEvent;
        }

        public string InterfaceName { get; }
        public DhcpLeaseEventArgs Event { get; }
    }
}
