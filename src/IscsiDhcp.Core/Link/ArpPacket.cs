using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using IscsiDhcp.Common;

namespace IscsiDhcp.Link
{
    /// <summary>
    /// An ARP packet for IPv4 over Ethernet (RFC 826), as a packet socket hands it over
    /// without its Ethernet header: 28 bytes. RFC 5227's probes and announcements are ARP
    /// requests of particular shapes. Pure: no I/O.
    /// </summary>
    public sealed class ArpPacket
    {
        public const int Length = 28;
        public const ushort RequestOperation = 1;
        public const ushort ReplyOperation = 2;
        const ushort EthernetHardware = 1;
        const ushort Ipv4Protocol = 0x0800;
        const int MacLength = 6;
        const int Ipv4Length = 4;
        static readonly byte[] NoMac = new byte[MacLength];

        ArpPacket(ushort operation, byte[] senderMac, IPAddress senderAddress, byte[] targetMac, IPAddress targetAddress)
        {
            Operation = operation;
            SenderMac = senderMac;
            SenderAddress = senderAddress;
            TargetMac = targetMac;
            TargetAddress = targetAddress;
        }

        public ushort Operation { get; }
        public byte[] SenderMac { get; }
        public IPAddress SenderAddress { get; }
        public byte[] TargetMac { get; }
        public IPAddress TargetAddress { get; }

        public bool IsRequest => Operation == RequestOperation;

        /// <summary>RFC 5227 2.1.1: "who has <paramref name="address"/>?" from a sender that claims no address (0.0.0.0).</summary>
        public static ArpPacket Probe(byte[] senderMac, IPAddress address) =>
            new(RequestOperation, CheckedMac(senderMac), IPAddress.Any, NoMac, CheckedIpv4(address));

        /// <summary>RFC 5227 2.3: a request with the sender's new address as both sender and target address.</summary>
        public static ArpPacket Announcement(byte[] senderMac, IPAddress address) =>
            new(RequestOperation, CheckedMac(senderMac), CheckedIpv4(address), NoMac, CheckedIpv4(address));

        /// <summary>
        /// Reads an Ethernet/IPv4 ARP request or reply; anything else (too short, another
        /// hardware or protocol type or length, another operation) gives false. Bytes past the
        /// 28 (Ethernet's padding to 60) are ignored.
        /// </summary>
        public static bool TryParse(ReadOnlySpan<byte> bytes, out ArpPacket? packet)
        {
            packet = null;
            if (bytes.Length < Length) return false;
            if (BinaryPrimitives.ReadUInt16BigEndian(bytes) != EthernetHardware
                || BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(2)) != Ipv4Protocol
                || bytes[4] != MacLength || bytes[5] != Ipv4Length)
                return false;
            var operation = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(6));
            if (operation is not (RequestOperation or ReplyOperation)) return false;
            packet = new ArpPacket(operation,
                bytes.Slice(8, MacLength).ToArray(), new IPAddress(bytes.Slice(14, Ipv4Length).ToArray()),
                bytes.Slice(18, MacLength).ToArray(), new IPAddress(bytes.Slice(24, Ipv4Length).ToArray()));
            return true;
        }

        /// <summary>Writes the 28 bytes into <paramref name="destination"/>.</summary>
        public int Write(Span<byte> destination)
        {
            if (destination.Length < Length) throw new ArgumentException($"an ARP packet needs {Length} bytes, the buffer holds {destination.Length}", nameof(destination));
            BinaryPrimitives.WriteUInt16BigEndian(destination, EthernetHardware);
            BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2), Ipv4Protocol);
            destination[4] = MacLength;
            destination[5] = Ipv4Length;
            BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(6), Operation);
            SenderMac.CopyTo(destination.Slice(8));
            SenderAddress.GetAddressBytes().CopyTo(destination.Slice(14));
            TargetMac.CopyTo(destination.Slice(18));
            TargetAddress.GetAddressBytes().CopyTo(destination.Slice(24));
            return Length;
        }

        public byte[] ToArray()
        {
            var bytes = new byte[Length];
            Write(bytes);
            return bytes;
        }

        static byte[] CheckedMac(byte[] mac) =>
            mac.Length == MacLength ? (byte[])mac.Clone() : throw new ArgumentException($"an Ethernet MAC is {MacLength} bytes, not {mac.Length}", nameof(mac));

        static IPAddress CheckedIpv4(IPAddress address) =>
            address.AddressFamily == AddressFamily.InterNetwork ? address : throw new ArgumentException($"ARP here is for IPv4 addresses, not {address}", nameof(address));

        public override string ToString() => IsRequest
            ? $"ARP request who-has {TargetAddress} tell {SenderAddress} ({ColonHex.Format(SenderMac)})"
            : $"ARP reply {SenderAddress} is-at {ColonHex.Format(SenderMac)}";
    }
}
