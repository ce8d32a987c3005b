using System;
using System.Globalization;

namespace IscsiDhcp.Iscsi.Text
{
    /// <summary>
    /// A TargetAddress value (RFC 7143 section 13.8): <c>host[:port][,tpgt]</c>, the host
    /// a DNS name, an IPv4 address, or an IPv6 address in brackets.
    /// </summary>
    public sealed class TargetAddress : IEquatable<TargetAddress>
    {
        public const int DefaultPort = 3260;
        static readonly char[] ForbiddenHostCharacters = { ' ', '/', '[', ']' };

        public TargetAddress(string host, int port = DefaultPort, ushort? portalGroupTag = null)
        {
            if (string.IsNullOrEmpty(host)) throw new ArgumentException("a portal needs a host", nameof(host));
            if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "a TCP port is 1 to 65535");
            Host = host;
            Port = port;
            PortalGroupTag = portalGroupTag;
        }

        /// <summary>The host without brackets.</summary>
        public string Host { get; }
        public int Port { get; }
        public ushort? PortalGroupTag { get; }

        public static TargetAddress Parse(string text) =>
            TryParse(text, out var address) ? address! : throw new FormatException($"'{text}' is not a TargetAddress (host[:port][,tag])");

        public static bool TryParse(string? text, out TargetAddress? address)
        {
            address = null;
            if (string.IsNullOrWhiteSpace(text)) return false;
            var s = text!.Trim();
            ushort? tag = null;
            var comma = s.LastIndexOf(',');
            if (comma >= 0)
            {
                if (!ushort.TryParse(s.Substring(comma + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var t)) return false;
                tag = t;
                s = s.Substring(0, comma);
            }
            string host;
            string? port = null;
            if (s.StartsWith("[", StringComparison.Ordinal))
            {
                var close = s.IndexOf(']');
                if (close < 2) return false;
                host = s.Substring(1, close - 1);
                var rest = s.Substring(close + 1);
                if (rest.Length > 0)
                {
                    if (rest[0] != ':') return false;
                    port = rest.Substring(1);
                }
                if (!System.Net.IPAddress.TryParse(host, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return false;
            }
            else
            {
                var colon = s.IndexOf(':');
                if (colon >= 0 && s.IndexOf(':', colon + 1) >= 0) return false;   // bare IPv6 must be bracketed
                host = colon >= 0 ? s.Substring(0, colon) : s;
                if (colon >= 0) port = s.Substring(colon + 1);
                if (host.Length == 0 || host.IndexOfAny(ForbiddenHostCharacters) >= 0) return false;
            }
            var portNumber = DefaultPort;
            if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber) || portNumber < 1 || portNumber > 65535))
                return false;
            address = new TargetAddress(host, portNumber, tag);
            return true;
        }

        /// <summary>host:port, with IPv6 hosts bracketed.</summary>
        public string Endpoint => Host.IndexOf(':') >= 0 ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

        public override string ToString() => PortalGroupTag is { } tag ? $"{Endpoint},{tag}" : Endpoint;

        public bool Equals(TargetAddress? other) =>
            other is not null && string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase) && Port == other.Port && PortalGroupTag == other.PortalGroupTag;

        public override bool Equals(object? obj) => Equals(obj as TargetAddress);

        public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Host) ^ (Port * 397) ^ (PortalGroupTag ?? 0);
    }
}
