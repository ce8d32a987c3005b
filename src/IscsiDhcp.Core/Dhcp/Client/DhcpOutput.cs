using System.Net;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Link;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>What the state machine asks its runner to do: send a message or an ARP packet, or report a lease event.</summary>
    public sealed class DhcpOutput
    {
        DhcpOutput(DhcpMessage? message, IPAddress? destination, ArpPacket? arp, DhcpLeaseEventKind? kind, DhcpLease? before, DhcpLease? after, AddressConflict? conflict)
        {
            Message = message;
            Destination = destination;
            ArpPacket = arp;
            EventKind = kind;
            Before = before;
            After = after;
            Conflict = conflict;
        }

        public DhcpMessage? Message { get; }
        /// <summary>255.255.255.255 for a broadcast, the server for a unicast.</summary>
        public IPAddress? Destination { get; }
        /// <summary>An ARP probe or announcement to broadcast on the lease's interface.</summary>
        public ArpPacket? ArpPacket { get; }
        public DhcpLeaseEventKind? EventKind { get; }
        public DhcpLease? Before { get; }
        public DhcpLease? After { get; }
        public AddressConflict? Conflict { get; }

        public static DhcpOutput Send(DhcpMessage message, IPAddress destination) => new(message, destination, null, null, null, null, null);

        public static DhcpOutput Arp(ArpPacket packet) => new(null, null, packet, null, null, null, null);

        public static DhcpOutput Event(DhcpLeaseEventKind kind, DhcpLease? before, DhcpLease? after, AddressConflict? conflict = null) =>
            new(null, null, null, kind, before, after, conflict);

        public override string ToString() =>
            Message is not null ? $"send {Message.MessageType} to {Destination}" : ArpPacket is not null ? $"send {ArpPacket}" : $"event {EventKind}";
    }
}
