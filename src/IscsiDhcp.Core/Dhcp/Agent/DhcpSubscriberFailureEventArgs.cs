using System;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>A subscriber (or the interface configuration) failed over an event; the lease carried on.</summary>
    public sealed class DhcpSubscriberFailureEventArgs : EventArgs
    {
        public DhcpSubscriberFailureEventArgs(string interfaceName, DhcpLeaseEventKind kind, Exception failure)
        {
            InterfaceName = interfaceName;
            Kind = kind;
            Failure = failure;
        }

        public string InterfaceName { get; }
        public DhcpLeaseEventKind Kind { get; }
        public Exception Failure { get; }
    }
}
