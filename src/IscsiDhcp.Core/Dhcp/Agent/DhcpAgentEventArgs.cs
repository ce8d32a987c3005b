using System;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>A lease event as the agent reports it: which interface and client, and the event with the lease before and after.</summary>
    public sealed class DhcpAgentEventArgs : EventArgs
    {
        public DhcpAgentEventArgs(string interfaceName, string clientId, DhcpLeaseEventArgs leaseEvent)
        {
            InterfaceName = interfaceName;
            ClientId = clientId;
            Event = leaseEvent;
        }

        public string InterfaceName { get; }
        /// <summary>As DhcpLeaseStatus.ClientId shows it (hex bytes with ':').</summary>
        public string ClientId { get; }
        public DhcpLeaseEventArgs Event { get; }
    }
}
