using System;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>A lease event as the agent reports it: which lease, and the event with the lease before and after.</summary>
    public sealed class DhcpAgentEventArgs : EventArgs
    {
        public DhcpAgentEventArgs(DhcpLeaseKey lease, DhcpLeaseEventArgs leaseEvent)
        {
            Lease = lease;
            Event = leaseEvent;
        }

        public DhcpLeaseKey Lease { get; }
        public string InterfaceName => Lease.InterfaceName;
        public DhcpLeaseEventArgs Event { get; }
    }
}
