using System;
using System.Net;
using System.Net.Sockets;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// A portal from what a user typed, as iscsiadm takes it: <c>host</c>, <c>host:port</c>,
    /// <c>[IPv6]</c>, <c>[IPv6]:port</c> or a bare IPv6 address; checked with errors that name
    /// -TargetPortalAddress and -TargetPortalPortNumber.
    /// </summary>
    static class IscsiPortal
    {
        public static TargetAddress From(string address, int port)
        {
            if (string.IsNullOrWhiteSpace(address)) throw new ArgumentException("-TargetPortalAddress is empty; give a host name or an IP address");
            if (port < 1 || port > 65535) throw new ArgumentException($"-TargetPortalPortNumber {port} is not a TCP port (1 to 65535)");
            var text = address.Trim();
            // A bare IPv6 address has colons of its own, so it cannot carry a port. (IPAddress
            // also takes "[::1]:3261", dropping the port: brackets go to TargetAddress below.)
            if (!text.StartsWith("[", StringComparison.Ordinal) && IPAddress.TryParse(text, out var bare) && bare.AddressFamily == AddressFamily.InterNetworkV6)
                return new TargetAddress(text, port);
            if (!TargetAddress.TryParse(text, out var parsed) || parsed!.PortalGroupTag is not null)
                throw new ArgumentException($"-TargetPortalAddress '{address}' is not a host name or an IP address with an optional port (host, host:port, [IPv6]:port)");
            var close = text.LastIndexOf(']');
            var portWritten = text.IndexOf(':', close + 1) >= 0;
            if (!portWritten) return new TargetAddress(parsed.Host, port);
            if (port != TargetAddress.DefaultPort && port != parsed.Port)
                throw new ArgumentException($"-TargetPortalAddress '{address}' names port {parsed.Port} and -TargetPortalPortNumber says {port}; give the port once");
            return new TargetAddress(parsed.Host, parsed.Port);
        }
    }
}
