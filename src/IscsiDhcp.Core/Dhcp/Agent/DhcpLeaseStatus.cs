using System;
using System.Collections.Generic;
using System.Net;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>STATUS: a lease's state, times and counters, as a snapshot.</summary>
    public sealed record DhcpLeaseStatus
    {
        public string InterfaceName => Key.InterfaceName;
        /// <summary>The client identifier as text (<see cref="DhcpLeaseKey.ClientIdText"/>).</summary>
        public string ClientId => Key.ClientIdText;
        public DhcpClientState State { get; init; }
        public IPAddress? Address { get; init; }
        public int PrefixLength { get; init; }
        public IPAddress? Server { get; init; }
        public DateTimeOffset? LeaseBegan { get; init; }
        public DateTimeOffset? RenewAt { get; init; }
        public DateTimeOffset? RebindAt { get; init; }
        public DateTimeOffset? ExpiresAt { get; init; }
        /// <summary>Reported, never applied: DNS is the system's resolver's business.</summary>
        public IReadOnlyList<IPAddress> DnsServers { get; init; } = Array.Empty<IPAddress>();
        public string? DomainName { get; init; }
        public IReadOnlyList<IPAddress> Routers { get; init; } = Array.Empty<IPAddress>();
        public bool Primary { get; init; }
        public bool Failed { get; init; }
        public bool Bootp { get; init; }
        public bool Configured { get; init; }
        public DhcpCommand? Pending { get; init; }
        public long PacketsSent { get; init; }
        public long PacketsReceived { get; init; }
        public long BadPackets { get; init; }
        public long BadOffers { get; init; }
        /// <summary>
        /// Whether the address is probed before use, announced and defended (RFC 5227). Off when
        /// asked (-NoConflictDetection), for a virtual client (-MacAddress) and in relay mode.
        /// </summary>
        public bool ConflictDetection { get; init; }
        public long ProbesSent { get; init; }
        /// <summary>Times another host claimed the address being probed or held.</summary>
        public long Conflicts { get; init; }
        /// <summary>DHCPDECLINEs sent (an address found in use while probing).</summary>
        public long Declines { get; init; }
        /// <summary>The latest conflict: the address and the other host's MAC.</summary>
        public AddressConflict? LastConflict { get; init; }
        /// <summary>ARP frames on the interface that were not well-formed Ethernet/IPv4 ARP (ignored).</summary>
        public long MalformedArpFrames { get; init; }
        /// <summary>Which lease this is: what the service's commands take.</summary>
        public DhcpLeaseKey Key { get; init; }

        /// <summary>Where the lease lives: in this shell, or in the agent (it outlives every shell).</summary>
        public IscsiDhcp.Common.HeldBy HeldBy { get; init; }
    }
}
