using System;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Operations.Iscsi
{
    /// <summary>A portal from what a user typed: an address and a port, checked with errors that name them.</summary>
    static class IscsiPortal
    {
        public static TargetAddress From(string address, int port)
        {
            if (string.IsNullOrWhiteSpace(address)) throw new ArgumentException("-TargetPortalAddress is empty; give a host name or an IP address");
            if (port < 1 || port > 65535) throw new ArgumentException($"-TargetPortalPortNumber {port} is not a TCP port (1 to 65535)");
            return new TargetAddress(address.Trim().Trim('[', ']'), port);
        }
    }
}
