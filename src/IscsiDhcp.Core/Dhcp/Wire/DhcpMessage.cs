using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>
    /// A DHCPv4 message (RFC 2131 section 2): the BOOTP header, the magic cookie and the
    /// options. Parsing joins split options (RFC 3396) and reads options overloaded into
    /// <c>file</c> and <c>sname</c> (option 52); encoding splits values over 255 bytes and
    /// pads to the 300 bytes BOOTP relays expect.
    /// </summary>
    public sealed class DhcpMessage
    {
        public const int HeaderLength = 236;
        public const int MinimumPacket = 300;
        public const int DefaultMaxMessageSize = 576;
        public const byte BootRequest = 1, BootReply = 2;
        static readonly byte[] MagicCookie = { 99, 130, 83, 99 };

        readonly List<DhcpMessageOption> options = new();

        public byte Op { get; set; } = BootRequest;
        public byte HardwareType { get; set; } = 1;   // Ethernet
        public byte HardwareLength { get; set; } = 6;
        public byte Hops { get; set; }
        public uint TransactionId { get; set; }
        public ushort Seconds { get; set; }
        /// <summary>Bit 15: ask the server to broadcast its reply (we have no address yet).</summary>
        public bool Broadcast { get; set; }
        public IPAddress ClientAddress { get; set; } = IPAddress.Any;
        public IPAddress YourAddress { get; set; } = IPAddress.Any;
        public IPAddress ServerAddress { get; set; } = IPAddress.Any;
        public IPAddress RelayAddress { get; set; } = IPAddress.Any;
        public byte[] ClientHardwareAddress { get; set; } = new byte[16];
        /// <summary>The sname field as text, unless option 52 used it for options.</summary>
        public string ServerName { get; set; } = "";
        /// <summary>The file field as text, unless option 52 used it for options.</summary>
        public string BootFile { get; set; } = "";

        public IReadOnlyList<DhcpMessageOption> Options => options;

        /// <summary>The client's hardware address: the first <see cref="HardwareLength"/> bytes of chaddr.</summary>
        public ReadOnlySpan<byte> HardwareAddress => ClientHardwareAddress.AsSpan(0, Math.Min(HardwareLength, (byte)16));

        /// <summary>A BOOTP reply: no DHCP message type.</summary>
        public bool IsBootp => MessageType is null;

        public DhcpMessageType? MessageType =>
            Get(DhcpOptionCode.MessageType) is { Length: 1 } v ? (DhcpMessageType)v[0] : null;

        public byte[]? Get(DhcpOptionCode code) => Get((byte)code);

        public byte[]? Get(byte code)
        {
            foreach (var option in options) if (option.Code == code) return option.Value;
            return null;
        }

        /// <summary>Sets (replaces) an option.</summary>
        public DhcpMessage Set(DhcpOptionCode code, byte[] value) => Set((byte)code, value);

        public DhcpMessage Set(byte code, byte[] value)
        {
            options.RemoveAll(o => o.Code == code);
            options.Add(new DhcpMessageOption(code, value));
            return this;
        }

        public DhcpMessage Remove(DhcpOptionCode code)
        {
            options.RemoveAll(o => o.Code == (byte)code);
            return this;
        }

        // ---- parsing ----

        public static DhcpMessage Parse(ReadOnlySpan<byte> packet)
        {
            if (packet.Length < HeaderLength + 4) throw new DhcpFormatException($"a {packet.Length}-byte packet is shorter than a DHCP header and cookie");
            if (!packet.Slice(HeaderLength, 4).SequenceEqual(MagicCookie)) throw new DhcpFormatException("no DHCP magic cookie (a plain BOOTP packet)");
            var m = new DhcpMessage
            {
                Op = packet[0],
                HardwareType = packet[1],
                HardwareLength = packet[2],
                Hops = packet[3],
                TransactionId = BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(4)),
                Seconds = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(8)),
                Broadcast = (packet[10] & 0x80) != 0,
                ClientAddress = Address(packet.Slice(12)),
                YourAddress = Address(packet.Slice(16)),
                ServerAddress = Address(packet.Slice(20)),
                RelayAddress = Address(packet.Slice(24)),
                ClientHardwareAddress = packet.Slice(28, 16).ToArray(),
            };
            if (m.Op != BootRequest && m.Op != BootReply) throw new DhcpFormatException($"op {m.Op} is neither BOOTREQUEST nor BOOTREPLY");
            if (m.HardwareLength > 16) throw new DhcpFormatException($"hlen {m.HardwareLength} exceeds the 16-byte chaddr");

            // RFC 3396: all instances of a code, in order, make one value.
            var joined = new Dictionary<byte, MemoryStream>();
            var order = new List<byte>();
            ReadRegion(packet.Slice(HeaderLength + 4), joined, order, "options");
            var overload = joined.TryGetValue((byte)DhcpOptionCode.OptionOverload, out var o) ? o.ToArray() : null;
            if (overload is not null && (overload.Length != 1 || overload[0] < 1 || overload[0] > 3))
                throw new DhcpFormatException("option 52 (overload) must be one byte of 1, 2 or 3");
            var fileHoldsOptions = overload is not null && (overload[0] & 1) != 0;
            var snameHoldsOptions = overload is not null && (overload[0] & 2) != 0;
            // RFC 2131 section 4.1: options, then file, then sname.
            if (fileHoldsOptions) ReadRegion(packet.Slice(108, 128), joined, order, "file");
            else m.BootFile = Text(packet.Slice(108, 128));
            if (snameHoldsOptions) ReadRegion(packet.Slice(44, 64), joined, order, "sname");
            else m.ServerName = Text(packet.Slice(44, 64));
            foreach (var code in order)
                if (code != (byte)DhcpOptionCode.OptionOverload) m.options.Add(new DhcpMessageOption(code, joined[code].ToArray()));
            // A reply without a message type is BOOTP (RFC 1542): a BOOTP server answering us.
            if (m.MessageType is null && m.Op != BootReply) throw new DhcpFormatException("no DHCP message type (option 53)");
            return m;
        }

        static void ReadRegion(ReadOnlySpan<byte> region, Dictionary<byte, MemoryStream> joined, List<byte> order, string where)
        {
            var i = 0;
            while (i < region.Length)
            {
                var code = region[i];
                if (code == (byte)DhcpOptionCode.End) return;
                if (code == (byte)DhcpOptionCode.Pad) { i++; continue; }
                if (i + 1 >= region.Length) throw new DhcpFormatException($"option {code} in {where} has no length byte");
                var length = region[i + 1];
                if (i + 2 + length > region.Length) throw new DhcpFormatException($"option {code} in {where} claims {length} bytes, past the end");
                if (!joined.TryGetValue(code, out var value))
                {
                    joined[code] = value = new MemoryStream();
                    order.Add(code);
                }
                value.Write(region.Slice(i + 2, length).ToArray(), 0, length);
                i += 2 + length;
            }
            // No End option: tolerated, as most clients and servers do.
        }

        static IPAddress Address(ReadOnlySpan<byte> bytes) => new(bytes.Slice(0, 4).ToArray());

        static string Text(ReadOnlySpan<byte> field)
        {
            var end = field.IndexOf((byte)0);
            return Encoding.ASCII.GetString(field.Slice(0, end < 0 ? field.Length : end).ToArray());
        }

        // ---- encoding ----

        /// <summary>
        /// The packet's bytes: values longer than 255 bytes split into consecutive
        /// instances, an End option, zero padding to 300 bytes. A packet that would exceed
        /// <paramref name="maxLength"/> is refused.
        /// </summary>
        public byte[] Encode(int maxLength = DefaultMaxMessageSize)
        {
            var body = new MemoryStream();
            foreach (var option in options)
            {
                var value = option.Value;
                var offset = 0;
                do
                {
                    var chunk = Math.Min(255, value.Length - offset);
                    body.WriteByte(option.Code);
                    body.WriteByte((byte)chunk);
                    body.Write(value, offset, chunk);
                    offset += chunk;
                }
                while (offset < value.Length);
            }
            body.WriteByte((byte)DhcpOptionCode.End);

            var length = Math.Max(MinimumPacket, HeaderLength + 4 + (int)body.Length);
            if (length > maxLength) throw new InvalidOperationException($"the message needs {length} bytes, more than the {maxLength} allowed");
            var packet = new byte[length];
            packet[0] = Op;
            packet[1] = HardwareType;
            packet[2] = HardwareLength;
            packet[3] = Hops;
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), TransactionId);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(8), Seconds);
            if (Broadcast) packet[10] = 0x80;
            Put(packet, 12, ClientAddress);
            Put(packet, 16, YourAddress);
            Put(packet, 20, ServerAddress);
            Put(packet, 24, RelayAddress);
            ClientHardwareAddress.AsSpan(0, Math.Min(16, ClientHardwareAddress.Length)).CopyTo(packet.AsSpan(28));
            PutText(packet, 44, 64, ServerName);
            PutText(packet, 108, 128, BootFile);
            MagicCookie.CopyTo(packet, HeaderLength);
            body.ToArray().CopyTo(packet, HeaderLength + 4);
            return packet;
        }

        static void Put(byte[] packet, int offset, IPAddress address)
        {
            var bytes = address.GetAddressBytes();
            if (bytes.Length != 4) throw new ArgumentException($"{address} is not an IPv4 address");
            bytes.CopyTo(packet, offset);
        }

        static void PutText(byte[] packet, int offset, int size, string text)
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            if (bytes.Length >= size) throw new ArgumentException($"'{text}' does not fit a {size}-byte field");
            bytes.CopyTo(packet, offset);
        }

        public override string ToString() =>
            $"{MessageType} xid=0x{TransactionId:x8} ciaddr={ClientAddress} yiaddr={YourAddress} chaddr={BitConverter.ToString(HardwareAddress.ToArray())} [{string.Join("; ", options.Select(o => o.ToString()))}]";
    }
}
