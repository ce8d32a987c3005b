using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>
    /// Names and typed values of the options the client understands. Each decoder checks
    /// the value's length and shape and throws <see cref="DhcpFormatException"/> for a bad
    /// one; the option is then treated as absent. Unknown options stay raw bytes.
    /// </summary>
    public static class DhcpOptionRegistry
    {
        public static string NameOf(byte code) =>
            Enum.IsDefined(typeof(DhcpOptionCode), code) ? ((DhcpOptionCode)code).ToString() : $"Option{code}";

        /// <summary>
        /// Other names of the options, beside <see cref="DhcpOptionCode"/>'s: RFC 2132's (and its
        /// successors') as identifiers, then the spellings of ISC dhcpd and dnsmasq and a few
        /// everyday ones. Matching ignores case, spaces, hyphens and underscores, so
        /// "IP Address Lease Time", "ip-address-lease-time" and "IpAddressLeaseTime" are one name.
        /// </summary>
        static readonly (string Name, DhcpOptionCode Code)[] Aliases =
        {
            ("Routers", DhcpOptionCode.Router),
            ("DomainNameServers", DhcpOptionCode.DomainNameServer),
            ("DnsServer", DhcpOptionCode.DomainNameServer),
            ("DnsServers", DhcpOptionCode.DomainNameServer),
            ("Netmask", DhcpOptionCode.SubnetMask),
            ("StaticRoutes", DhcpOptionCode.StaticRoute),
            ("InterfaceMtuOption", DhcpOptionCode.InterfaceMtu),
            ("Mtu", DhcpOptionCode.InterfaceMtu),
            ("NetworkTimeProtocolServers", DhcpOptionCode.NtpServers),
            ("NtpServer", DhcpOptionCode.NtpServers),
            ("VendorSpecificInformation", DhcpOptionCode.VendorSpecific),
            ("VendorEncapsulatedOptions", DhcpOptionCode.VendorSpecific),
            ("IpAddressLeaseTime", DhcpOptionCode.LeaseTime),
            ("DhcpLeaseTime", DhcpOptionCode.LeaseTime),
            ("OptionOverload", DhcpOptionCode.OptionOverload),
            ("DhcpOptionOverload", DhcpOptionCode.OptionOverload),
            ("DhcpMessageType", DhcpOptionCode.MessageType),
            ("DhcpServerIdentifier", DhcpOptionCode.ServerIdentifier),
            ("DhcpParameterRequestList", DhcpOptionCode.ParameterRequestList),
            ("DhcpMessage", DhcpOptionCode.Message),
            ("MaximumDhcpMessageSize", DhcpOptionCode.MaxMessageSize),
            ("DhcpMaxMessageSize", DhcpOptionCode.MaxMessageSize),
            ("RenewalTimeValue", DhcpOptionCode.RenewalTime),
            ("DhcpRenewalTime", DhcpOptionCode.RenewalTime),
            ("T1", DhcpOptionCode.RenewalTime),
            ("RebindingTimeValue", DhcpOptionCode.RebindingTime),
            ("DhcpRebindingTime", DhcpOptionCode.RebindingTime),
            ("T2", DhcpOptionCode.RebindingTime),
            ("DhcpClientIdentifier", DhcpOptionCode.ClientIdentifier),
            ("DhcpRequestedAddress", DhcpOptionCode.RequestedIpAddress),
            ("RequestedAddress", DhcpOptionCode.RequestedIpAddress),
            ("TftpServer", DhcpOptionCode.TftpServerName),
            ("BootFile", DhcpOptionCode.BootfileName),
            ("UserClassInformation", DhcpOptionCode.UserClass),
            ("Fqdn", DhcpOptionCode.ClientFqdn),
            ("RelayAgentInformationOption", DhcpOptionCode.RelayAgentInformation),
            ("DomainSearchList", DhcpOptionCode.DomainSearch),
            ("SearchList", DhcpOptionCode.DomainSearch),
            ("ClasslessStaticRoutes", DhcpOptionCode.ClasslessStaticRoute),
            ("MsClasslessStaticRoute", DhcpOptionCode.MicrosoftClasslessStaticRoute),
            ("Wpad", DhcpOptionCode.WebProxyAutoDiscovery),
            ("LeaseTimeValue", DhcpOptionCode.LeaseTime),
        };

        static readonly Dictionary<string, byte> ByName = BuildNames(out names);
        static readonly string[] names;

        /// <summary>Every name <see cref="CodeOf"/> knows, the module's own first (for completion and help).</summary>
        public static IReadOnlyList<string> Names => names;

        static Dictionary<string, byte> BuildNames(out string[] all)
        {
            var map = new Dictionary<string, byte>(StringComparer.Ordinal);
            var list = new List<string>();
            foreach (DhcpOptionCode code in Enum.GetValues(typeof(DhcpOptionCode)))
            {
                if (code is DhcpOptionCode.Pad or DhcpOptionCode.End) continue;
                map[Normalize(code.ToString())] = (byte)code;
                list.Add(code.ToString());
            }
            foreach (var (name, code) in Aliases)
            {
                if (map.ContainsKey(Normalize(name))) continue;
                map[Normalize(name)] = (byte)code;
                list.Add(name);
            }
            all = list.ToArray();
            return map;
        }

        /// <summary>Lower case, letters and digits only.</summary>
        static string Normalize(string name)
        {
            var text = new StringBuilder(name.Length);
            foreach (var c in name)
                if (char.IsLetterOrDigit(c)) text.Append(char.ToLowerInvariant(c));
            return text.ToString();
        }

        /// <summary>
        /// The code of an option name: <see cref="DhcpOptionCode"/>'s, RFC 2132's, or a common
        /// spelling (dhcpd's, dnsmasq's), ignoring case, spaces, hyphens and underscores; null for
        /// anything else (a number too: that is a code, not a name).
        /// </summary>
        public static byte? CodeOf(string name)
        {
            var key = Normalize(name ?? "");
            if (key.Length == 0 || key.All(char.IsDigit)) return null;
            return ByName.TryGetValue(key, out var code) ? code : null;
        }

        /// <summary>The typed value of an option: IPAddress, IPAddress[], uint, ushort, string, ClasslessRoute[], ... or byte[] when unknown.</summary>
        public static object Decode(byte code, byte[] value) => (DhcpOptionCode)code switch
        {
            DhcpOptionCode.SubnetMask or DhcpOptionCode.BroadcastAddress or DhcpOptionCode.RequestedIpAddress or DhcpOptionCode.ServerIdentifier
                => Address(value),
            DhcpOptionCode.Router or DhcpOptionCode.DomainNameServer or DhcpOptionCode.NtpServers => Addresses(value),
            DhcpOptionCode.HostName or DhcpOptionCode.DomainName or DhcpOptionCode.VendorClassIdentifier or DhcpOptionCode.TftpServerName
                or DhcpOptionCode.BootfileName or DhcpOptionCode.WebProxyAutoDiscovery or DhcpOptionCode.Message => Text(value),
            DhcpOptionCode.InterfaceMtu or DhcpOptionCode.MaxMessageSize => Number16(value),
            DhcpOptionCode.LeaseTime or DhcpOptionCode.RenewalTime or DhcpOptionCode.RebindingTime => Number32(value),
            DhcpOptionCode.MessageType => value.Length == 1 ? (object)(DhcpMessageType)value[0] : throw Bad(code, "must be one byte"),
            DhcpOptionCode.StaticRoute => StaticRoutes(value),
            DhcpOptionCode.ClasslessStaticRoute or DhcpOptionCode.MicrosoftClasslessStaticRoute => ClasslessRoutes(value),
            DhcpOptionCode.DomainSearch => DnsNameCodec.DecodeList(NonEmpty(code, value)).ToArray(),
            DhcpOptionCode.ClientFqdn => Fqdn(value),
            DhcpOptionCode.VendorSpecific or DhcpOptionCode.RelayAgentInformation => SubOptions(code, value),
            DhcpOptionCode.UserClass => UserClasses(value),
            DhcpOptionCode.ParameterRequestList or DhcpOptionCode.ClientIdentifier => NonEmpty(code, value),
            _ => value,
        };

        /// <summary>The value as text for display; a malformed one says so instead of throwing.</summary>
        public static string Format(byte code, byte[] value)
        {
            try
            {
                return Decode(code, value) switch
                {
                    byte[] raw => BitConverter.ToString(raw),
                    IPAddress[] list => string.Join(", ", list.Select(a => a.ToString())),
                    ClasslessRoute[] routes => string.Join(", ", routes.Select(r => r.ToString())),
                    string[] names => string.Join(", ", names),
                    IReadOnlyDictionary<byte, byte[]> sub => string.Join(", ", sub.Select(kv => $"{kv.Key}={BitConverter.ToString(kv.Value)}")),
                    var typed => typed.ToString() ?? "",
                };
            }
            catch (DhcpFormatException e)
            {
                return $"malformed ({e.Message})";
            }
        }

        public static IPAddress Address(byte[] value) =>
            value.Length == 4 ? new IPAddress(value) : throw new DhcpFormatException($"an address is 4 bytes, not {value.Length}");

        public static IPAddress[] Addresses(byte[] value)
        {
            if (value.Length == 0 || value.Length % 4 != 0) throw new DhcpFormatException($"an address list is a non-zero multiple of 4 bytes, not {value.Length}");
            return Enumerable.Range(0, value.Length / 4).Select(i => new IPAddress(value.AsSpan(i * 4, 4).ToArray())).ToArray();
        }

        public static string Text(byte[] value)
        {
            if (value.Length == 0) throw new DhcpFormatException("an empty string option");
            return Encoding.UTF8.GetString(value).TrimEnd('\0');
        }

        public static ushort Number16(byte[] value) =>
            value.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(value) : throw new DhcpFormatException($"a 16-bit value is 2 bytes, not {value.Length}");

        public static uint Number32(byte[] value) =>
            value.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(value) : throw new DhcpFormatException($"a 32-bit value is 4 bytes, not {value.Length}");

        /// <summary>Option 33: destination/router pairs with classful destinations.</summary>
        public static ClasslessRoute[] StaticRoutes(byte[] value)
        {
            if (value.Length == 0 || value.Length % 8 != 0) throw new DhcpFormatException("option 33 is a non-zero multiple of 8 bytes");
            return Enumerable.Range(0, value.Length / 8).Select(i =>
            {
                var destination = new IPAddress(value.AsSpan(i * 8, 4).ToArray());
                var first = value[i * 8];
                var prefix = first < 128 ? 8 : first < 192 ? 16 : 24;
                return new ClasslessRoute(destination, prefix, new IPAddress(value.AsSpan((i * 8) + 4, 4).ToArray()));
            }).ToArray();
        }

        /// <summary>Option 121/249 (RFC 3442): width, the significant octets of the destination, the router.</summary>
        public static ClasslessRoute[] ClasslessRoutes(byte[] value)
        {
            if (value.Length == 0) throw new DhcpFormatException("an empty classless route option");
            var routes = new List<ClasslessRoute>();
            var i = 0;
            while (i < value.Length)
            {
                var width = value[i];
                if (width > 32) throw new DhcpFormatException($"a route prefix of /{width}");
                var significant = (width + 7) / 8;
                if (i + 1 + significant + 4 > value.Length) throw new DhcpFormatException("a classless route runs past the end of the option");
                var destination = new byte[4];
                value.AsSpan(i + 1, significant).CopyTo(destination);
                routes.Add(new ClasslessRoute(new IPAddress(destination), width, new IPAddress(value.AsSpan(i + 1 + significant, 4).ToArray())));
                i += 1 + significant + 4;
            }
            return routes.ToArray();
        }

        public static byte[] EncodeClasslessRoutes(IEnumerable<ClasslessRoute> routes)
        {
            var bytes = new List<byte>();
            foreach (var route in routes)
            {
                bytes.Add((byte)route.PrefixLength);
                bytes.AddRange(route.Destination.GetAddressBytes().Take((route.PrefixLength + 7) / 8));
                bytes.AddRange(route.Router.GetAddressBytes());
            }
            return bytes.ToArray();
        }

        public static ClientFqdn Fqdn(byte[] value)
        {
            if (value.Length < 3) throw new DhcpFormatException("option 81 needs flags and two RCODE bytes");
            var flags = value[0];
            var rest = value.AsSpan(3);
            var name = (flags & 0x04) != 0
                ? (rest.Length == 0 ? "" : string.Join(".", DnsNameCodec.DecodeList(rest)))
                : Encoding.ASCII.GetString(rest.ToArray());
            return new ClientFqdn(flags, name);
        }

        /// <summary>Sub-options (43, 82): code, length, value triples.</summary>
        public static IReadOnlyDictionary<byte, byte[]> SubOptions(byte code, byte[] value)
        {
            var result = new Dictionary<byte, byte[]>();
            var i = 0;
            while (i < value.Length)
            {
                var sub = value[i];
                if (sub == 0 && code == (byte)DhcpOptionCode.VendorSpecific) { i++; continue; }
                if (sub == 255 && code == (byte)DhcpOptionCode.VendorSpecific) break;
                if (i + 1 >= value.Length || i + 2 + value[i + 1] > value.Length)
                    throw new DhcpFormatException($"sub-option {sub} of option {code} runs past the end");
                result[sub] = value.AsSpan(i + 2, value[i + 1]).ToArray();
                i += 2 + value[i + 1];
            }
            return result;
        }

        /// <summary>Option 77 (RFC 3004): length-prefixed user class data.</summary>
        public static string[] UserClasses(byte[] value)
        {
            var classes = new List<string>();
            var i = 0;
            while (i < value.Length)
            {
                var length = value[i];
                if (length == 0 || i + 1 + length > value.Length) throw new DhcpFormatException("a user class is empty or runs past the end");
                classes.Add(Encoding.UTF8.GetString(value, i + 1, length));
                i += 1 + length;
            }
            if (classes.Count == 0) throw new DhcpFormatException("an empty user class option");
            return classes.ToArray();
        }

        static byte[] NonEmpty(byte code, byte[] value) =>
            value.Length > 0 ? value : throw Bad(code, "must not be empty");

        static DhcpFormatException Bad(byte code, string why) => new($"option {code} ({NameOf(code)}) {why}");
    }
}
