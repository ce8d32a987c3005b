using System;
using System.Linq;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// GET_TAG's answers from a lease, apart from who holds it: an option by code (the current
    /// ACK's, else the original ACK's, as dhcpagent does), a vendor-specific sub-option, or a
    /// BOOTP header field of the ACK.
    /// </summary>
    public static class DhcpLeaseQuery
    {
        /// <summary>The BOOTP header fields a query may name, in the order of the header.</summary>
        public static readonly string[] Fields = DhcpMessage.Header.Where(f => f.Queryable).Select(f => f.Name).ToArray();

        public static byte[] Option(DhcpLease lease, string interfaceName, byte code) =>
            lease.Get(code) ?? throw new DhcpAgentException(DhcpAgentError.NoOption, $"{interfaceName}: the server sent no option {code} ({DhcpOptionRegistry.NameOf(code)})");

        public static byte[] Option(DhcpLease lease, string interfaceName, string name) =>
            Option(lease, interfaceName, DhcpOptionRegistry.CodeOf(name) ?? throw new ArgumentException($"'{name}' is not a DHCP option name", nameof(name)));

        public static byte[] VendorOption(DhcpLease lease, string interfaceName, byte subCode)
        {
            var vendor = Option(lease, interfaceName, (byte)DhcpOptionCode.VendorSpecific);
            return DhcpOptionRegistry.SubOptions((byte)DhcpOptionCode.VendorSpecific, vendor).TryGetValue(subCode, out var value)
                ? value : throw new DhcpAgentException(DhcpAgentError.NoOption, $"{interfaceName}: no vendor sub-option {subCode}");
        }

        public static string Field(DhcpLease lease, string field) =>
            DhcpMessage.Field(field) is { Queryable: true } header ? header.Text(lease.Ack)
            : throw new ArgumentException($"'{field}' is not a BOOTP field ({string.Join(", ", Fields)})", nameof(field));
    }
}
