using System;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace IscsiDhcp.Dhcp.Transport
{
    /// <summary>What the system says about its own network interfaces, looked up by name.</summary>
    public static class LocalInterfaces
    {
        // Linux interface names are case-sensitive; Windows' are not.
        static StringComparison NameComparison =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

        public static NetworkInterface Find(string interfaceName)
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                if (string.Equals(nic.Name, interfaceName, NameComparison)) return nic;
            throw new ArgumentException($"no interface named '{interfaceName}'", nameof(interfaceName));
        }

        /// <summary>The interface's own MAC, the default chaddr and client id of a lease on it.</summary>
        public static byte[] HardwareAddress(string interfaceName)
        {
            var mac = Find(interfaceName).GetPhysicalAddress().GetAddressBytes();
            return mac.Length > 0 ? mac : throw new ArgumentException($"interface '{interfaceName}' has no hardware address; give a MAC address", nameof(interfaceName));
        }

        /// <summary>The interface's first IPv4 address, or 0.0.0.0 while it has none.</summary>
        public static IPAddress IPv4Address(string interfaceName)
        {
            foreach (var unicast in Find(interfaceName).GetIPProperties().UnicastAddresses)
                if (unicast.Address.AddressFamily == AddressFamily.InterNetwork) return unicast.Address;
            return IPAddress.Any;
        }
    }
}
