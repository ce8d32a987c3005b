using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Link;

namespace IscsiDhcp.Dhcp.Transport
{
    /// <summary>
    /// A DHCP client socket: UDP 0.0.0.0:68 with SO_BROADCAST, tied to one interface with
    /// SO_BINDTODEVICE on Linux so replies to an unconfigured interface reach us. On Linux,
    /// broadcasts leave through a packet socket with ciaddr as their IP source (0.0.0.0
    /// before the client has an address, RFC 2131 4.1): the UDP stack would put whatever
    /// address the host holds on another interface there. Many
    /// clients (virtual MACs among them) share it; replies go to the client registered for
    /// their chaddr. Malformed and unclaimed packets are counted and dropped.
    /// On Windows and macOS the socket is bound to the interface's address instead
    /// (written, not tested: these machines run Linux).
    /// </summary>
    public sealed class DhcpSocket : IDisposable
    {
        public const int ClientPort = 68;
        public const int ServerPort = 67;

        readonly Socket socket;
        readonly PacketSocket? broadcaster;
        readonly ConcurrentDictionary<string, Action<DhcpMessage>> clients = new(StringComparer.Ordinal);
        readonly CancellationTokenSource closing = new();
        readonly Thread receiver;
        readonly object arpGate = new();
        ArpChannel? arp;

        DhcpSocket(Socket socket, string interfaceName, IPAddress? relayAddress = null, IPAddress? relayServer = null, PacketSocket? broadcaster = null)
        {
            this.socket = socket;
            this.broadcaster = broadcaster;
            InterfaceName = interfaceName;
            RelayAddress = relayAddress;
            RelayServer = relayServer;
            receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = $"DHCP receive {interfaceName}" };
            receiver.Start();
        }

        public string InterfaceName { get; }
        public DhcpPacketCounters Counters { get; } = new();

        /// <summary>In relay mode: our address, put in giaddr; replies come back to it on port 67.</summary>
        public IPAddress? RelayAddress { get; }
        /// <summary>In relay mode: the server every message is unicast to.</summary>
        public IPAddress? RelayServer { get; }

        /// <summary>
        /// Relay mode (RFC 2131 section 4.1, RFC 1542): acts as a relay agent on
        /// <paramref name="localAddress"/>:67 and unicasts every client message to
        /// <paramref name="server"/> with giaddr set, so a server can be exercised over a
        /// routed path (or loopback) without sharing a link with the clients.
        /// </summary>
        public static DhcpSocket OpenRelay(IPAddress localAddress, IPAddress server)
        {
            if (localAddress.AddressFamily != AddressFamily.InterNetwork || server.AddressFamily != AddressFamily.InterNetwork)
                throw new ArgumentException("relay mode is IPv4: give IPv4 addresses for the relay and the server");
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(localAddress, ServerPort));
                return new DhcpSocket(socket, $"relay {localAddress}", localAddress, server);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        /// <summary>Opens the client socket on an interface; needs the privilege to bind port 68 (root or CAP_NET_BIND_SERVICE + CAP_NET_RAW).</summary>
        public static DhcpSocket Open(string interfaceName, int port = ClientPort)
        {
            if (string.IsNullOrEmpty(interfaceName)) throw new ArgumentException("an interface name is required", nameof(interfaceName));
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { EnableBroadcast = true };
            PacketSocket? broadcaster = null;
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                var local = IPAddress.Any;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                {
                    BindToDevice(socket, interfaceName);
                    broadcaster = PacketSocket.Open(interfaceName, PacketSocket.EtherTypeIpv4);
                }
                else local = LocalInterfaces.IPv4Address(interfaceName);
                socket.Bind(new IPEndPoint(local, port));
                return new DhcpSocket(socket, interfaceName, broadcaster: broadcaster);
            }
            catch
            {
                broadcaster?.Dispose();
                socket.Dispose();
                throw;
            }
        }

        const int SolSocket = 1, SoBindToDevice = 25;

        [DllImport("libc", SetLastError = true)]
        static extern int setsockopt(IntPtr socket, int level, int name, byte[] value, int length);

        static void BindToDevice(Socket socket, string interfaceName)
        {
            var name = Encoding.ASCII.GetBytes(interfaceName + "\0");
            if (setsockopt(socket.Handle, SolSocket, SoBindToDevice, name, name.Length) != 0)
            {
                var errno = Marshal.GetLastWin32Error();
                throw errno == 1
                    ? new UnauthorizedAccessException($"SO_BINDTODEVICE on {interfaceName} needs CAP_NET_RAW (run as root)")
                    : new SocketException(errno);
            }
        }

        /// <summary>
        /// Whether a server's unicast to <paramref name="address"/> reaches this socket: in relay
        /// mode always (servers answer the relay), else when the interface holds the address.
        /// </summary>
        public bool HoldsAddress(IPAddress address)
        {
            if (RelayAddress is not null) return true;
            var nic = LocalInterfaces.TryFind(InterfaceName);
            return nic is not null && nic.GetIPProperties().UnicastAddresses.Any(u => u.Address.Equals(address));
        }

        /// <summary>
        /// Whether a client with <paramref name="hardwareAddress"/> can detect address conflicts
        /// here (RFC 5227): on a link of our own (not relay mode, packet sockets available) and as
        /// the interface itself: a virtual client's MAC is not the one the link sees our ARP from.
        /// </summary>
        public bool CanProbeFor(byte[] hardwareAddress) =>
            broadcaster is not null && LocalInterfaces.HardwareAddress(InterfaceName).AsSpan().SequenceEqual(hardwareAddress);

        /// <summary>ARP on this socket's interface, opened when the first client probes (see <see cref="CanProbeFor"/>).</summary>
        public ArpChannel Arp
        {
            get
            {
                if (broadcaster is null) throw new InvalidOperationException($"{InterfaceName}: no ARP in relay mode or without packet sockets");
                lock (arpGate)
                {
                    if (closing.IsCancellationRequested) throw new ObjectDisposedException(nameof(DhcpSocket));
                    return arp ??= ArpChannel.Open(InterfaceName);
                }
            }
        }

        /// <summary>Malformed ARP frames seen on the interface since conflict detection began here (0 before).</summary>
        public long MalformedArpFrames
        {
            get { lock (arpGate) return arp?.Malformed ?? 0; }
        }

        /// <summary>Delivers replies whose chaddr is <paramref name="hardwareAddress"/> to <paramref name="onReply"/> (on the receive thread).</summary>
        public IDisposable Register(byte[] hardwareAddress, Action<DhcpMessage> onReply)
        {
            var key = Key(hardwareAddress);
            if (!clients.TryAdd(key, onReply)) throw new InvalidOperationException($"a client for {key} already uses this socket");
            return new Registration(this, key);
        }

        sealed class Registration : IDisposable
        {
            readonly DhcpSocket owner;
            readonly string key;

            public Registration(DhcpSocket owner, string key)
            {
                this.owner = owner;
                this.key = key;
            }

            public void Dispose() => owner.clients.TryRemove(key, out _);
        }

        static string Key(ReadOnlySpan<byte> hardwareAddress) => BitConverter.ToString(hardwareAddress.ToArray());

        /// <summary>
        /// Sends a message to a server (unicast) or to 255.255.255.255:67. A send the network
        /// refuses is counted, not thrown: the client's retransmission timer covers it.
        /// </summary>
        public async Task SendAsync(DhcpMessage message, IPAddress destination)
        {
            if (RelayAddress is not null)
            {
                // As a relay agent: giaddr is us, one hop, always straight to the server.
                message.RelayAddress = RelayAddress;
                message.Hops = 1;
                destination = RelayServer!;
            }
            var bytes = message.Encode();
            if (broadcaster is not null && destination.Equals(IPAddress.Broadcast))
            {
                Broadcast(bytes, message.ClientAddress);
                return;
            }
            try
            {
                await Task.Factory.FromAsync(
                    (callback, state) => socket.BeginSendTo(bytes, 0, bytes.Length, SocketFlags.None, new IPEndPoint(destination, ServerPort), callback, state),
                    socket.EndSendTo, null).ConfigureAwait(false);
                Counters.CountSent();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Counters.CountSendError();
            }
        }

        void Broadcast(byte[] payload, IPAddress source)
        {
            var datagram = ArrayPool<byte>.Shared.Rent(Ipv4UdpDatagram.HeaderLength + payload.Length);
            try
            {
                var length = Ipv4UdpDatagram.Write(datagram, source, ClientPort, IPAddress.Broadcast, ServerPort, payload);
                broadcaster!.Broadcast(datagram, length);
                Counters.CountSent();
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or ObjectDisposedException)
            {
                Counters.CountSendError();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(datagram);
            }
        }

        void ReceiveLoop()
        {
            var buffer = new byte[65536];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            while (!closing.IsCancellationRequested)
            {
                int length;
                try { length = socket.ReceiveFrom(buffer, ref from); }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    if (closing.IsCancellationRequested) return;
                    continue;
                }
                Counters.CountReceived();
                DhcpMessage message;
                try { message = DhcpMessage.Parse(buffer.AsSpan(0, length)); }
                catch (DhcpFormatException)
                {
                    Counters.CountMalformed();
                    continue;
                }
                if (message.Op != DhcpMessage.BootReply || !clients.TryGetValue(Key(message.HardwareAddress), out var deliver))
                {
                    Counters.CountUnclaimed();
                    continue;
                }
                try { deliver(message); }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A client's handler failing must not stop the socket for the others.
                    GC.KeepAlive(e);
                }
            }
        }

        public void Dispose()
        {
            if (closing.IsCancellationRequested) return;
            closing.Cancel();
            socket.Dispose();
            broadcaster?.Dispose();
            lock (arpGate) arp?.Dispose();
        }
    }
}
