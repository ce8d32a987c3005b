using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;

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

        // ---- the header: its fields, once ----

        static string Decimal(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The BOOTP header's fields in wire order: the one list that parsing, encoding and field queries use.</summary>
        public static readonly IReadOnlyList<DhcpHeaderField> Header = Laid(new[]
        {
            new DhcpHeaderField("op", 1, false, (DhcpMessage m, ref DhcpReader r) => m.Op = r.U8(), (DhcpMessage m, ref DhcpWriter w) => w.U8(m.Op), m => Decimal(m.Op)),
            new DhcpHeaderField("htype", 1, false, (DhcpMessage m, ref DhcpReader r) => m.HardwareType = r.U8(), (DhcpMessage m, ref DhcpWriter w) => w.U8(m.HardwareType), m => Decimal(m.HardwareType)),
            new DhcpHeaderField("hlen", 1, false, (DhcpMessage m, ref DhcpReader r) => m.HardwareLength = r.U8(), (DhcpMessage m, ref DhcpWriter w) => w.U8(m.HardwareLength), m => Decimal(m.HardwareLength)),
            new DhcpHeaderField("hops", 1, true, (DhcpMessage m, ref DhcpReader r) => m.Hops = r.U8(), (DhcpMessage m, ref DhcpWriter w) => w.U8(m.Hops), m => Decimal(m.Hops)),
            new DhcpHeaderField("xid", 4, true, (DhcpMessage m, ref DhcpReader r) => m.TransactionId = r.U32(), (DhcpMessage m, ref DhcpWriter w) => w.U32(m.TransactionId), m => $"0x{m.TransactionId:x8}"),
            new DhcpHeaderField("secs", 2, true, (DhcpMessage m, ref DhcpReader r) => m.Seconds = r.U16(), (DhcpMessage m, ref DhcpWriter w) => w.U16(m.Seconds), m => Decimal(m.Seconds)),
            new DhcpHeaderField("flags", 2, false, (DhcpMessage m, ref DhcpReader r) => m.Broadcast = (r.U16() & 0x8000) != 0,
                (DhcpMessage m, ref DhcpWriter w) => w.U16(m.Broadcast ? (ushort)0x8000 : (ushort)0), m => m.Broadcast ? "0x8000" : "0x0000"),
            new DhcpHeaderField("ciaddr", 4, true, (DhcpMessage m, ref DhcpReader r) => m.ClientAddress = r.Address(), (DhcpMessage m, ref DhcpWriter w) => w.Address(m.ClientAddress), m => m.ClientAddress.ToString()),
            new DhcpHeaderField("yiaddr", 4, true, (DhcpMessage m, ref DhcpReader r) => m.YourAddress = r.Address(), (DhcpMessage m, ref DhcpWriter w) => w.Address(m.YourAddress), m => m.YourAddress.ToString()),
            new DhcpHeaderField("siaddr", 4, true, (DhcpMessage m, ref DhcpReader r) => m.ServerAddress = r.Address(), (DhcpMessage m, ref DhcpWriter w) => w.Address(m.ServerAddress), m => m.ServerAddress.ToString()),
            new DhcpHeaderField("giaddr", 4, true, (DhcpMessage m, ref DhcpReader r) => m.RelayAddress = r.Address(), (DhcpMessage m, ref DhcpWriter w) => w.Address(m.RelayAddress), m => m.RelayAddress.ToString()),
            new DhcpHeaderField("chaddr", 16, true, (DhcpMessage m, ref DhcpReader r) => m.ClientHardwareAddress = r.Bytes(16).ToArray(),
                (DhcpMessage m, ref DhcpWriter w) => w.Bytes(m.ClientHardwareAddress, 16), m => Common.ColonHex.Format(m.HardwareAddress)),
            // sname and file may hold options instead (option 52): Parse reads them again as options then.
            new DhcpHeaderField("sname", 64, true, (DhcpMessage m, ref DhcpReader r) => m.ServerName = r.FixedText(64), (DhcpMessage m, ref DhcpWriter w) => w.FixedText(m.ServerName, 64), m => m.ServerName),
            new DhcpHeaderField("file", 128, true, (DhcpMessage m, ref DhcpReader r) => m.BootFile = r.FixedText(128), (DhcpMessage m, ref DhcpWriter w) => w.FixedText(m.BootFile, 128), m => m.BootFile),
        });

        static readonly DhcpHeaderField SnameField = Field("sname")!;
        static readonly DhcpHeaderField FileField = Field("file")!;

        static DhcpHeaderField[] Laid(DhcpHeaderField[] fields)
        {
            var offset = 0;
            foreach (var field in fields)
            {
                field.Offset = offset;
                offset += field.Size;
            }
            System.Diagnostics.Debug.Assert(offset == HeaderLength, "the BOOTP header is 236 bytes");
            return fields;
        }

        /// <summary>A header field by its RFC 2131 name (ignoring case), or null.</summary>
        public static DhcpHeaderField? Field(string name)
        {
            foreach (var field in Header) if (string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase)) return field;
            return null;
        }

        // ---- parsing ----

        public static DhcpMessage Parse(ReadOnlySpan<byte> packet)
        {
            if (packet.Length < HeaderLength + 4) throw new DhcpFormatException($"a {packet.Length}-byte packet is shorter than a DHCP header and cookie");
            var reader = new DhcpReader(packet);
            var m = new DhcpMessage();
            foreach (var field in Header) field.Read(m, ref reader);
            if (!reader.Bytes(4).SequenceEqual(MagicCookie)) throw new DhcpFormatException("no DHCP magic cookie (a plain BOOTP packet)");
            if (m.Op != BootRequest && m.Op != BootReply) throw new DhcpFormatException($"op {m.Op} is neither BOOTREQUEST nor BOOTREPLY");
            if (m.HardwareLength > 16) throw new DhcpFormatException($"hlen {m.HardwareLength} exceeds the 16-byte chaddr");

            // RFC 3396: all instances of a code, in order, make one value.
            var joined = new Dictionary<byte, MemoryStream>();
            var order = new List<byte>();
            ReadRegion(reader.Bytes(reader.Remaining), joined, order, "options");
            var overload = joined.TryGetValue((byte)DhcpOptionCode.OptionOverload, out var o) ? o.ToArray() : null;
            if (overload is not null && (overload.Length != 1 || overload[0] < 1 || overload[0] > 3))
                throw new DhcpFormatException("option 52 (overload) must be one byte of 1, 2 or 3");
            // RFC 2131 section 4.1: options, then file, then sname.
            if (overload is not null && (overload[0] & 1) != 0)
            {
                ReadRegion(packet.Slice(FileField.Offset, FileField.Size), joined, order, "file");
                m.BootFile = "";
            }
            if (overload is not null && (overload[0] & 2) != 0)
            {
                ReadRegion(packet.Slice(SnameField.Offset, SnameField.Size), joined, order, "sname");
                m.ServerName = "";
            }
            foreach (var code in order)
                if (code != (byte)DhcpOptionCode.OptionOverload) m.options.Add(new DhcpMessageOption(code, joined[code].ToArray()));
            // A reply without a message type is BOOTP (RFC 1542): a BOOTP server answering us.
            if (m.MessageType is null && m.Op != BootReply) throw new DhcpFormatException("no DHCP message type (option 53)");
            return m;
        }

        static void ReadRegion(ReadOnlySpan<byte> region, Dictionary<byte, MemoryStream> joined, List<byte> order, string where)
        {
            var reader = new DhcpReader(region);
            while (!reader.AtEnd)
            {
                var code = reader.U8();
                if (code == (byte)DhcpOptionCode.End) return;
                if (code == (byte)DhcpOptionCode.Pad) continue;
                if (reader.AtEnd) throw new DhcpFormatException($"option {code} in {where} has no length byte");
                var length = reader.U8();
                if (length > reader.Remaining) throw new DhcpFormatException($"option {code} in {where} claims {length} bytes, past the end");
                if (!joined.TryGetValue(code, out var value))
                {
                    joined[code] = value = new MemoryStream();
                    order.Add(code);
                }
                value.Write(reader.Bytes(length).ToArray(), 0, length);
            }
            // No End option: tolerated, as most clients and servers do.
        }

        // ---- encoding ----

        /// <summary>
        /// The packet's bytes: values longer than 255 bytes split into consecutive
        /// instances, an End option, zero padding to 300 bytes. A packet that would exceed
        /// <paramref name="maxLength"/> is refused.
        /// </summary>
        public byte[] Encode(int maxLength = DefaultMaxMessageSize)
        {
            var body = 1;   // End
            foreach (var option in options) body += option.Value.Length + 2 * Math.Max(1, (option.Value.Length + 254) / 255);
            var length = Math.Max(MinimumPacket, HeaderLength + 4 + body);
            if (length > maxLength) throw new InvalidOperationException($"the message needs {length} bytes, more than the {maxLength} allowed");
            var packet = new byte[length];
            var writer = new DhcpWriter(packet);
            foreach (var field in Header) field.Write(this, ref writer);
            writer.Bytes(MagicCookie);
            foreach (var option in options)
            {
                ReadOnlySpan<byte> value = option.Value;
                do
                {
                    var chunk = Math.Min(255, value.Length);
                    writer.U8(option.Code);
                    writer.U8((byte)chunk);
                    writer.Bytes(value.Slice(0, chunk));
                    value = value.Slice(chunk);
                }
                while (value.Length > 0);
            }
            writer.U8((byte)DhcpOptionCode.End);
            return packet;
        }

        public override string ToString() =>
            $"{MessageType} xid=0x{TransactionId:x8} ciaddr={ClientAddress} yiaddr={YourAddress} chaddr={BitConverter.ToString(HardwareAddress.ToArray())} [{string.Join("; ", options.Select(o => o.ToString()))}]";
    }
}
