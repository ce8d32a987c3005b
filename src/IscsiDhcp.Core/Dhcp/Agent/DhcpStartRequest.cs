using System;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>What START (or INFORM) is asked to do for an interface.</summary>
    public sealed record DhcpStartRequest
    {
        public DhcpStartRequest(string interfaceName)
        {
            if (string.IsNullOrWhiteSpace(interfaceName)) throw new ArgumentException("an interface name is required", nameof(interfaceName));
            InterfaceName = interfaceName;
        }

        public string InterfaceName { get; }
        /// <summary>The client's identity; by default the interface's own MAC.</summary>
        public DhcpClientIdentity? Identity { get; init; }
        public DhcpClientOptions? ClientOptions { get; init; }
        /// <summary>Put the address and routes on the interface (and take them off on release or expiry).</summary>
        public bool Configure { get; init; }
        /// <summary>Mark the lease primary (the one whose settings the system should use).</summary>
        public bool Primary { get; init; }
        /// <summary>
        /// Relay mode: talk to <see cref="ServerAddress"/> as a relay agent would, from this
        /// local IPv4 address (giaddr), instead of broadcasting on the interface. Both or neither.
        /// </summary>
        public System.Net.IPAddress? RelayAddress { get; init; }
        public System.Net.IPAddress? ServerAddress { get; init; }
    }
}
