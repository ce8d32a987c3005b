using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace IscsiDhcp.Link
{
    /// <summary>
    /// A Linux packet socket (AF_PACKET, SOCK_DGRAM) on one interface for one EtherType:
    /// the caller gives the network-layer packet and the link-layer destination, and the
    /// kernel adds the Ethernet header with the interface's own MAC as source. This is how
    /// a DHCP client sends before it has an address (udhcpc and dhcpcd do the same), and
    /// how ARP probes go out. Needs CAP_NET_RAW.
    /// </summary>
    public sealed class PacketSocket : IDisposable
    {
        public const ushort EtherTypeIpv4 = 0x0800;
        public const ushort EtherTypeArp = 0x0806;
        static readonly byte[] BroadcastMac = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

        const int AfPacket = 17, SockDgram = 2, SockCloexec = 0x80000;
        const int SockaddrLlLength = 20;
        const int EPERM = 1, EACCES = 13, EAGAIN = 11, EINTR = 4;
        const int SolSocket = 1, SoRcvTimeo = 20;
        const byte PacketOutgoing = 4;

        readonly Descriptor descriptor;
        readonly byte[] broadcastAddress;

        PacketSocket(Descriptor descriptor, string interfaceName, int interfaceIndex, ushort etherType)
        {
            this.descriptor = descriptor;
            InterfaceName = interfaceName;
            InterfaceIndex = interfaceIndex;
            EtherType = etherType;
            broadcastAddress = LinkAddress(BroadcastMac);
        }

        public string InterfaceName { get; }
        public int InterfaceIndex { get; }
        public ushort EtherType { get; }

        /// <summary>Whether this platform has packet sockets (Linux only).</summary>
        public static bool IsSupported => RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        public static PacketSocket Open(string interfaceName, ushort etherType)
        {
            if (!IsSupported) throw new PlatformNotSupportedException("packet sockets (AF_PACKET) exist on Linux only");
            var index = if_nametoindex(Encoding.ASCII.GetBytes(interfaceName + "\0"));
            if (index == 0) throw new ArgumentException($"no interface named '{interfaceName}'", nameof(interfaceName));
            var fd = socket(AfPacket, SockDgram | SockCloexec, NetworkOrder(etherType));
            if (fd < 0)
            {
                var errno = Marshal.GetLastWin32Error();
                throw errno is EPERM or EACCES
                    ? new UnauthorizedAccessException($"a packet socket on {interfaceName} needs CAP_NET_RAW (run as root)")
                    : new Win32Exception(errno, $"cannot open a packet socket on {interfaceName}");
            }
            return new PacketSocket(new Descriptor(fd), interfaceName, (int)index, etherType);
        }

        /// <summary>Sends <paramref name="packet"/> to every station on the link (ff:ff:ff:ff:ff:ff).</summary>
        public void Broadcast(byte[] packet, int length)
        {
            if ((uint)length > (uint)packet.Length) throw new ArgumentOutOfRangeException(nameof(length));
            var sent = sendto(descriptor.Fd, packet, (UIntPtr)(uint)length, 0, broadcastAddress, SockaddrLlLength);
            if ((long)sent < 0) throw new Win32Exception(Marshal.GetLastWin32Error(), $"sending on {InterfaceName} failed");
        }

        /// <summary>
        /// Waits up to <paramref name="timeout"/> for a packet sent to this host or to everyone
        /// on the link (never one of our own going out), copies it into <paramref name="buffer"/>
        /// and returns its length; 0 when none came in time.
        /// </summary>
        public int Receive(byte[] buffer, TimeSpan timeout)
        {
            SetReceiveTimeout(timeout);
            var from = new byte[SockaddrLlLength];
            while (true)
            {
                var fromLength = SockaddrLlLength;
                var received = (long)recvfrom(descriptor.Fd, buffer, (UIntPtr)(uint)buffer.Length, 0, from, ref fromLength);
                if (received < 0)
                {
                    var errno = Marshal.GetLastWin32Error();
                    if (errno == EAGAIN) return 0;
                    if (errno == EINTR) continue;
                    throw new Win32Exception(errno, $"receiving on {InterfaceName} failed");
                }
                // A packet socket also sees what this host sends (sll_pkttype PACKET_OUTGOING): not news from the link.
                if (from[10] == PacketOutgoing) continue;
                return (int)received;
            }
        }

        TimeSpan receiveTimeout = TimeSpan.MinValue;

        void SetReceiveTimeout(TimeSpan timeout)
        {
            if (timeout == receiveTimeout) return;
            // struct timeval { long tv_sec; long tv_usec; }: C's long is the pointer's size on Linux.
            var microseconds = Math.Max(1, timeout.Ticks / 10);
            var word = IntPtr.Size;
            var value = new byte[2 * word];
            WriteLong(value, 0, microseconds / 1_000_000, word);
            WriteLong(value, word, microseconds % 1_000_000, word);
            if (setsockopt(descriptor.Fd, SolSocket, SoRcvTimeo, value, value.Length) != 0)
                throw new Win32Exception(Marshal.GetLastWin32Error(), $"cannot set a receive timeout on {InterfaceName}");
            receiveTimeout = timeout;
        }

        static void WriteLong(byte[] destination, int offset, long value, int size)
        {
            if (size == 8) BitConverter.GetBytes(value).CopyTo(destination, offset);
            else BitConverter.GetBytes((int)value).CopyTo(destination, offset);
        }

        // struct sockaddr_ll { u16 family; be16 protocol; s32 ifindex; u16 hatype; u8 pkttype; u8 halen; u8 addr[8]; }
        byte[] LinkAddress(byte[] mac)
        {
            var address = new byte[SockaddrLlLength];
            BitConverter.GetBytes((ushort)AfPacket).CopyTo(address, 0);
            BitConverter.GetBytes(NetworkOrder(EtherType)).CopyTo(address, 2);
            BitConverter.GetBytes(InterfaceIndex).CopyTo(address, 4);
            address[11] = (byte)mac.Length;
            mac.CopyTo(address, 12);
            return address;
        }

        static ushort NetworkOrder(ushort value) =>
            BitConverter.IsLittleEndian ? (ushort)(value << 8 | value >> 8) : value;

        public void Dispose() => descriptor.Dispose();

        sealed class Descriptor : SafeHandleMinusOneIsInvalid
        {
            public Descriptor(int fd) : base(ownsHandle: true) => SetHandle((IntPtr)fd);

            public int Fd => (int)handle;

            protected override bool ReleaseHandle() => close((int)handle) == 0;
        }

        [DllImport("libc", SetLastError = true)]
        static extern int socket(int domain, int type, int protocol);

        [DllImport("libc", SetLastError = true)]
        static extern uint if_nametoindex(byte[] name);

        [DllImport("libc", SetLastError = true)]
        static extern IntPtr sendto(int fd, byte[] buffer, UIntPtr length, int flags, byte[] address, int addressLength);

        [DllImport("libc", SetLastError = true)]
        static extern IntPtr recvfrom(int fd, byte[] buffer, UIntPtr length, int flags, byte[] address, ref int addressLength);

        [DllImport("libc", SetLastError = true)]
        static extern int setsockopt(int fd, int level, int name, byte[] value, int length);

        [DllImport("libc", SetLastError = true)]
        static extern int close(int fd);
    }
}
