using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;

namespace IscsiDhcp.Link
{
    /// <summary>
    /// ARP on one interface, for RFC 5227's conflict detection: every ARP packet from the link
    /// goes to each watcher (on the receive thread), probes and announcements go out. Frames
    /// that are not Ethernet/IPv4 ARP are counted and dropped. A packet socket underneath, as
    /// DHCP's broadcasts use: needs CAP_NET_RAW, Linux only.
    /// </summary>
    public sealed class ArpChannel : IDisposable
    {
        static readonly TimeSpan CloseCheck = TimeSpan.FromMilliseconds(250);

        readonly PacketSocket socket;
        readonly object gate = new();
        readonly List<Action<ArpPacket>> watchers = new();
        readonly Thread receiver;
        volatile bool closing;
        long received, malformed, sent, sendErrors;

        ArpChannel(PacketSocket socket)
        {
            this.socket = socket;
            receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = $"ARP receive {socket.InterfaceName}" };
            receiver.Start();
        }

        /// <summary>Opens ARP on <paramref name="interfaceName"/>; UnauthorizedAccessException without CAP_NET_RAW.</summary>
        public static ArpChannel Open(string interfaceName) => new(PacketSocket.Open(interfaceName, PacketSocket.EtherTypeArp));

        public string InterfaceName => socket.InterfaceName;
        public long Received => Interlocked.Read(ref received);
        /// <summary>Frames that were not well-formed Ethernet/IPv4 ARP requests or replies.</summary>
        public long Malformed => Interlocked.Read(ref malformed);
        public long Sent => Interlocked.Read(ref sent);
        public long SendErrors => Interlocked.Read(ref sendErrors);

        /// <summary>Hands every ARP packet from the link to <paramref name="onPacket"/> until the result is disposed.</summary>
        public IDisposable Watch(Action<ArpPacket> onPacket)
        {
            lock (gate) watchers.Add(onPacket);
            return new Watcher(this, onPacket);
        }

        sealed class Watcher : IDisposable
        {
            readonly ArpChannel owner;
            readonly Action<ArpPacket> onPacket;

            public Watcher(ArpChannel owner, Action<ArpPacket> onPacket)
            {
                this.owner = owner;
                this.onPacket = onPacket;
            }

            public void Dispose()
            {
                lock (owner.gate) owner.watchers.Remove(onPacket);
            }
        }

        /// <summary>Broadcasts <paramref name="packet"/>; a send the link refuses is counted (the prober's timers go on).</summary>
        public void Send(ArpPacket packet)
        {
            try
            {
                socket.Broadcast(packet.ToArray(), ArpPacket.Length);
                Interlocked.Increment(ref sent);
            }
            catch (Exception e) when (e is Win32Exception or ObjectDisposedException)
            {
                Interlocked.Increment(ref sendErrors);
            }
        }

        void ReceiveLoop()
        {
            var buffer = new byte[2048];
            while (!closing)
            {
                int length;
                try { length = socket.Receive(buffer, CloseCheck); }
                catch (Exception e) when (e is Win32Exception or ObjectDisposedException)
                {
                    if (closing) return;
                    Thread.Sleep(CloseCheck);   // the interface went away, say; its owner closes us
                    continue;
                }
                if (length == 0) continue;
                Interlocked.Increment(ref received);
                if (!ArpPacket.TryParse(buffer.AsSpan(0, length), out var packet))
                {
                    Interlocked.Increment(ref malformed);
                    continue;
                }
                Action<ArpPacket>[] current;
                lock (gate) current = watchers.ToArray();
                foreach (var watcher in current)
                {
                    try { watcher(packet!); }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // One lease's handler failing must not deafen the others.
                        GC.KeepAlive(e);
                    }
                }
            }
        }

        public void Dispose()
        {
            if (closing) return;
            closing = true;
            // The receive thread notices within CloseCheck; the descriptor is closed after it has
            // (closing it under a blocked recvfrom could hand the number to a new socket meanwhile).
            if (Thread.CurrentThread != receiver) receiver.Join();
            socket.Dispose();
        }
    }
}
