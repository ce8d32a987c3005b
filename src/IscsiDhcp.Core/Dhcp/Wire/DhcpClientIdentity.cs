using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.NetworkInformation;
using System.Text;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>
    /// Who the client says it is: its hardware address (chaddr), client identifier (61),
    /// host name (12) or FQDN (81), vendor class (60), user classes (77), and the options
    /// it asks for (55).
    /// </summary>
    public sealed record DhcpClientIdentity
    {
        public DhcpClientIdentity(byte[] hardwareAddress)
        {
            if (hardwareAddress is null || hardwareAddress.Length == 0 || hardwareAddress.Length > 16)
                throw new ArgumentException("a hardware address is 1 to 16 bytes", nameof(hardwareAddress));
            HardwareAddress = hardwareAddress;
            ClientId = ClientIdFromHardwareAddress(hardwareAddress);
        }

        /// <summary>The options asked for unless the caller changes the list: what configuring an interface needs.</summary>
        public static readonly IReadOnlyList<byte> DefaultParameterRequestList = new[]
        {
            DhcpOptionCode.SubnetMask, DhcpOptionCode.Router, DhcpOptionCode.DomainNameServer, DhcpOptionCode.HostName,
            DhcpOptionCode.DomainName, DhcpOptionCode.InterfaceMtu, DhcpOptionCode.BroadcastAddress, DhcpOptionCode.StaticRoute,
            DhcpOptionCode.NtpServers, DhcpOptionCode.LeaseTime, DhcpOptionCode.RenewalTime, DhcpOptionCode.RebindingTime,
            DhcpOptionCode.DomainSearch, DhcpOptionCode.ClasslessStaticRoute,
        }.Select(c => (byte)c).ToArray();

        public byte[] HardwareAddress { get; }
        /// <summary>Option 61; by default type 1 (Ethernet) followed by the MAC.</summary>
        public byte[] ClientId { get; init; }
        public string? HostName { get; init; }
        /// <summary>Sent as option 81 instead of 12 when set.</summary>
        public string? Fqdn { get; init; }
        public string? VendorClass { get; init; }
        public IReadOnlyList<string> UserClasses { get; init; } = Array.Empty<string>();
        public IReadOnlyList<byte> ParameterRequestList { get; init; } = DefaultParameterRequestList;

        public static byte[] ClientIdFromHardwareAddress(byte[] mac) => new byte[] { 1 }.Concat(mac).ToArray();

        /// <summary>RFC 4361: type 255, a 4-byte IAID, then a DUID.</summary>
        public static byte[] ClientIdFromDuid(uint iaid, byte[] duid)
        {
            if (duid is null || duid.Length < 2 || duid.Length > 130) throw new ArgumentException("a DUID is 2 to 130 bytes", nameof(duid));
            var id = new byte[5 + duid.Length];
            id[0] = 255;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(id.AsSpan(1), iaid);
            duid.CopyTo(id, 5);
            return id;
        }

        /// <summary>Client-identifier hex bytes (with ':' or '-' between them, or none), naming what is wrong.</summary>
        public static byte[] ParseClientId(string hex)
        {
            var digits = hex.Replace(":", "").Replace("-", "");
            if (digits.Length == 0 || digits.Length % 2 != 0) throw new ArgumentException($"-ClientId '{hex}' is not hex bytes like 01:02:00:00:00:00:01");
            var bytes = new byte[digits.Length / 2];
            for (var i = 0; i < bytes.Length; i++)
            {
                if (!byte.TryParse(digits.Substring(i * 2, 2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out bytes[i]))
                    throw new ArgumentException($"-ClientId '{hex}' is not hex bytes like 01:02:00:00:00:00:01");
            }
            return bytes;
        }

        /// <summary>Parses "aa:bb:cc:dd:ee:ff" (or with '-'), naming what is wrong.</summary>
        public static byte[] ParseMac(string text)
        {
            try
            {
                var bytes = PhysicalAddress.Parse(text.Replace(':', '-').ToUpperInvariant()).GetAddressBytes();
                if (bytes.Length == 6) return bytes;
            }
            catch (FormatException) { }
            throw new ArgumentException($"'{text}' is not a MAC address like 02:00:00:00:00:01", nameof(text));
        }

        /// <summary>Adds the identity's options to a client message.</summary>
        internal void AddTo(DhcpMessage message, bool withRequestList)
        {
            message.HardwareLength = (byte)HardwareAddress.Length;
            var chaddr = new byte[16];
            HardwareAddress.CopyTo(chaddr, 0);
            message.ClientHardwareAddress = chaddr;
            message.Set(DhcpOptionCode.ClientIdentifier, ClientId);
            if (Fqdn is { Length: > 0 } fqdn)
                message.Set(DhcpOptionCode.ClientFqdn, new byte[] { 0x05, 0, 0 }.Concat(DnsNameCodec.Encode(new[] { fqdn })).ToArray());   // S and E: server updates A, canonical name
            else if (HostName is { Length: > 0 } host)
                message.Set(DhcpOptionCode.HostName, Encoding.ASCII.GetBytes(host));
            if (VendorClass is { Length: > 0 } vendor) message.Set(DhcpOptionCode.VendorClassIdentifier, Encoding.ASCII.GetBytes(vendor));
            if (UserClasses.Count > 0)
                message.Set(DhcpOptionCode.UserClass, UserClasses.SelectMany(c => new[] { (byte)Encoding.UTF8.GetByteCount(c) }.Concat(Encoding.UTF8.GetBytes(c))).ToArray());
            if (withRequestList && ParameterRequestList.Count > 0)
                message.Set(DhcpOptionCode.ParameterRequestList, ParameterRequestList.ToArray());
        }
    }
}
