using System;
using System.Globalization;
using System.IO;
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

        public static NetworkInterface Find(string interfaceName) =>
            TryFind(interfaceName) ?? throw new ArgumentException($"no interface named '{interfaceName}'", nameof(interfaceName));

        /// <summary>The interface of that name, or null when there is none.</summary>
        public static NetworkInterface? TryFind(string interfaceName)
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                if (string.Equals(nic.Name, interfaceName, NameComparison)) return nic;
            return null;
        }

        const int IffBroadcast = 0x2, IffLoopback = 0x8;

        /// <summary>
        /// Why a DHCP client cannot run on the interface (it is a loopback, or it cannot
        /// broadcast, as tunnels and point-to-point links cannot), or null when it can.
        /// </summary>
        public static string? UnsuitableForDhcp(NetworkInterface nic)
        {
            if (nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) return "it is a loopback interface";
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                // The kernel's own flags: NetworkInterface does not say whether an interface broadcasts.
                var path = $"/sys/class/net/{nic.Name}/flags";
                if (File.Exists(path))
                {
                    var text = File.ReadAllText(path).Trim();
                    if (text.StartsWith("0x", StringComparison.Ordinal)
                        && int.TryParse(text.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags))
                    {
                        if ((flags & IffLoopback) != 0) return "it is a loopback interface";
                        if ((flags & IffBroadcast) == 0) return "it cannot broadcast (DHCP needs broadcast: a tunnel or point-to-point link has no DHCP server to find)";
                    }
                }
            }
            else if (nic.NetworkInterfaceType is NetworkInterfaceType.Tunnel or NetworkInterfaceType.Ppp)
                return "it cannot broadcast (DHCP needs broadcast: a tunnel or point-to-point link has no DHCP server to find)";
            return null;
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
