using System.Threading;

namespace IscsiDhcp.Dhcp.Transport
{
    /// <summary>What a DHCP socket received: packets delivered, malformed ones dropped, ones for nobody here.</summary>
    public sealed class DhcpPacketCounters
    {
        long received;
        long malformed;
        long unclaimed;
        long sent;
        long sendErrors;

        public long Received => Interlocked.Read(ref received);
        /// <summary>Packets that did not parse (RFC violations, hostile bytes).</summary>
        public long Malformed => Interlocked.Read(ref malformed);
        /// <summary>Well-formed packets no client here was waiting for (other xid or chaddr, a request).</summary>
        public long Unclaimed => Interlocked.Read(ref unclaimed);
        public long Sent => Interlocked.Read(ref sent);
        /// <summary>Sends the network refused (no route yet for a unicast, interface down).</summary>
        public long SendErrors => Interlocked.Read(ref sendErrors);

        internal void CountReceived() => Interlocked.Increment(ref received);
        internal void CountMalformed() => Interlocked.Increment(ref malformed);
        internal void CountUnclaimed() => Interlocked.Increment(ref unclaimed);
        internal void CountSent() => Interlocked.Increment(ref sent);
        internal void CountSendError() => Interlocked.Increment(ref sendErrors);
    }
}
