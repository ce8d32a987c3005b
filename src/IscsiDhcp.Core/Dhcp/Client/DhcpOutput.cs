using System.Net;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>What the state machine asks its runner to do: send a message, or report a lease event.</summary>
    public sealed class DhcpOutput
    {
        DhcpOutput(DhcpMessage? message, IPAddress? destination, DhcpLeaseEventKind? kind, DhcpLease? before, DhcpLease? after)
        {
            Message = message;
            Destination = destination;
            EventKind = kind;
            Before = before;
            After = after;
        }

        public DhcpMessage? Message { get; }
        /// <summary>255.255.255.255 for a broadcast, the server for a unicast.</summary>
        public IPAddress? Destination { get; }
        public DhcpLeaseEventKind? EventKind { get; }
        public DhcpLease? Before { get; }
        public DhcpLease? After { get; }

        public static DhcpOutput Send(DhcpMessage message, IPAddress destination) => new(message, destination, null, null, null);

        public static DhcpOutput Event(DhcpLeaseEventKind kind, DhcpLease? before, DhcpLease? after) => new(null, null, kind, before, after);

        public override string ToString() => Message is not null ? $"send {Message.MessageType} to {Destination}" : $"event {EventKind}";
    }
}
