using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace IscsiDhcp.Link
{
    /// <summary>
    /// An IPv4 header and a UDP header around a payload, for sending through a packet socket
    /// where the kernel's UDP stack would choose the source address itself (a DHCP client
    /// with no address yet must send from 0.0.0.0: RFC 2131 4.1). Pure: no I/O.
    /// </summary>
    public static class Ipv4UdpDatagram
    {
        public const int Ipv4HeaderLength = 20;
        public const int UdpHeaderLength = 8;
        public const int HeaderLength = Ipv4HeaderLength + UdpHeaderLength;
        const byte UdpProtocol = 17;
        const byte DefaultTtl = 64;

        /// <summary>Writes the datagram into <paramref name="destination"/> and returns its length.</summary>
        public static int Write(Span<byte> destination, IPAddress source, int sourcePort, IPAddress target, int targetPort, ReadOnlySpan<byte> payload)
        {
            var udpLength = UdpHeaderLength + payload.Length;
            var total = Ipv4HeaderLength + udpLength;
            if (total > ushort.MaxValue) throw new ArgumentException($"a {payload.Length}-byte payload does not fit in one IPv4 datagram", nameof(payload));
            if (destination.Length < total) throw new ArgumentException($"the buffer holds {destination.Length} bytes, the datagram needs {total}", nameof(destination));
            var from = Ipv4Bytes(source, nameof(source));
            var to = Ipv4Bytes(target, nameof(target));

            var ip = destination.Slice(0, Ipv4HeaderLength);
            ip.Clear();
            ip[0] = 0x45;                                                 // version 4, 5 words of header
            BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(2), (ushort)total);
            ip[8] = DefaultTtl;
            ip[9] = UdpProtocol;
            from.CopyTo(ip.Slice(12));
            to.CopyTo(ip.Slice(16));
            BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(10), InternetChecksum.Compute(ip));

            var udp = destination.Slice(Ipv4HeaderLength, udpLength);
            BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)sourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(udp.Slice(2), (ushort)targetPort);
            BinaryPrimitives.WriteUInt16BigEndian(udp.Slice(4), (ushort)udpLength);
            BinaryPrimitives.WriteUInt16BigEndian(udp.Slice(6), 0);
            payload.CopyTo(udp.Slice(UdpHeaderLength));
            var checksum = UdpChecksum(from, to, udp);
            // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
            BinaryPrimitives.WriteUInt16BigEndian(udp.Slice(6), checksum == 0 ? (ushort)0xFFFF : checksum);
            return total;
        }

        /// <summary>The UDP checksum over the pseudo-header and <paramref name="udp"/> (header and payload).</summary>
        public static ushort UdpChecksum(ReadOnlySpan<byte> source, ReadOnlySpan<byte> target, ReadOnlySpan<byte> udp)
        {
            Span<byte> pseudo = stackalloc byte[12];
            source.CopyTo(pseudo);
            target.CopyTo(pseudo.Slice(4));
            pseudo[8] = 0;
            pseudo[9] = UdpProtocol;
            BinaryPrimitives.WriteUInt16BigEndian(pseudo.Slice(10), (ushort)udp.Length);
            return InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.Add(0, pseudo), udp));
        }

        static byte[] Ipv4Bytes(IPAddress address, string parameter) =>
            address.AddressFamily == AddressFamily.InterNetwork
                ? address.GetAddressBytes()
                : throw new ArgumentException($"{address} is not an IPv4 address", parameter);
    }
}
