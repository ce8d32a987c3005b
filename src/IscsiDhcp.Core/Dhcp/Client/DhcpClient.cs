using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Common;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>
    /// Runs a <see cref="DhcpClientMachine"/> on a <see cref="DhcpSocket"/>: replies from the
    /// socket, timers from a <see cref="TimeProvider"/> (one timer per client on the shared
    /// timer queue, so 10,000 leases need no more threads than one), commands from callers.
    /// Every input is handled under one lock; sends and events happen outside it, in the
    /// machine's order, under a second lock taken before the first.
    /// </summary>
    public sealed class DhcpClient : IDisposable
    {
        readonly DhcpSocket socket;
        readonly TimeProvider time;
        readonly DhcpClientMachine machine;
        readonly object gate = new();
        // Held from an input until its outputs are out, so the outputs of inputs from different
        // threads (timer, socket, callers) never interleave. The state lock is not held while
        // subscribers run: they may read State and Lease.
        readonly object dispatch = new();
        readonly ITimer timer;
        readonly IDisposable registration;
        readonly IDisposable? arpWatch;
        TaskCompletionSource<DhcpLease> bound = NewWaiter();
        bool disposed;

        public DhcpClient(DhcpSocket socket, DhcpClientIdentity identity, DhcpClientOptions? options = null, TimeProvider? time = null)
        {
            this.socket = socket;
            this.time = time ?? TimeProvider.System;
            Identity = identity;
            // Conflict detection where it can work (the interface's own MAC on a link of ours), unless turned off.
            options ??= new DhcpClientOptions();
            var probing = options.ConflictDetection && socket.CanProbeFor(identity.HardwareAddress);
            machine = new DhcpClientMachine(identity, options with { ConflictDetection = probing }) { HoldsAddress = socket.HoldsAddress };
            timer = this.time.CreateTimer(_ => Handle(m => m.OnTimer(this.time.GetUtcNow())), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            registration = socket.Register(identity.HardwareAddress, reply => Handle(m => m.OnReply(reply, this.time.GetUtcNow())));
            try
            {
                if (probing) arpWatch = socket.Arp.Watch(packet => Handle(m => m.OnArp(packet, this.time.GetUtcNow())));
            }
            catch
            {
                registration.Dispose();
                timer.Dispose();
                throw;
            }
        }

        public DhcpClientIdentity Identity { get; }
        public DhcpClientState State { get { lock (gate) return machine.State; } }
        public DhcpLease? Lease { get { lock (gate) return machine.Lease; } }
        public long BadPackets { get { lock (gate) return machine.BadPackets; } }
        public long BadOffers { get { lock (gate) return machine.BadOffers; } }
        public long PacketsSent { get { lock (gate) return machine.PacketsSent; } }
        public long PacketsReceived { get { lock (gate) return machine.PacketsReceived; } }
        /// <summary>Whether this client probes, announces and defends its address (RFC 5227).</summary>
        public bool ConflictDetection => machine.ConflictDetection;
        public long ProbesSent { get { lock (gate) return machine.ProbesSent; } }
        public long Conflicts { get { lock (gate) return machine.Conflicts; } }
        public long Declines { get { lock (gate) return machine.Declines; } }
        public AddressConflict? LastConflict { get { lock (gate) return machine.LastConflict; } }
        /// <summary>Malformed ARP frames seen on the interface (counted by its socket, shared by its clients).</summary>
        public long MalformedArpFrames => socket.MalformedArpFrames;

        /// <summary>
        /// Every lease event, in the machine's order (raised on the thread whose input made it:
        /// the socket's, the timer's or a caller's). A subscriber holds up the client's next
        /// input until it returns: it must not wait for another thread that feeds this client.
        /// </summary>
        public event EventHandler<DhcpLeaseEventArgs>? LeaseEvent;

        static TaskCompletionSource<DhcpLease> NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>
        /// Starts obtaining a lease (INIT-REBOOT from <paramref name="stored"/> when it is still
        /// valid) and waits until one is bound. Cancelling the wait does not stop the client:
        /// it goes on trying in the background, as dhcpagent does after its caller times out.
        /// </summary>
        public Task<DhcpLease> StartAsync(DhcpLease? stored = null, CancellationToken cancel = default) =>
            TransactAsync(m => m.Start(time.GetUtcNow(), stored), cancel);

        /// <summary>DHCPINFORM for an address configured otherwise; returns the options as a lease without timers.</summary>
        public Task<DhcpLease> InformAsync(IPAddress address, CancellationToken cancel = default) =>
            TransactAsync(m => m.Inform(time.GetUtcNow(), address), cancel);

        /// <summary>Renews now; completes when the server extends the lease.</summary>
        public Task<DhcpLease> ExtendAsync(CancellationToken cancel = default) =>
            TransactAsync(m => m.Extend(time.GetUtcNow()), cancel);

        /// <summary>Starts a transaction and waits for the lease (or information) it ends with.</summary>
        async Task<DhcpLease> TransactAsync(Func<DhcpClientMachine, List<DhcpOutput>> command, CancellationToken cancel)
        {
            Task<DhcpLease> waiter;
            lock (gate) waiter = (bound = NewWaiter()).Task;
            Handle(command);
            if (!await waiter.CompletesBeforeAsync(cancel).ConfigureAwait(false)) cancel.ThrowIfCancellationRequested();
            return await waiter.ConfigureAwait(false);
        }

        /// <summary>
        /// Re-validates the lease after a suspend/resume or a clock jump (dhcpagent's SIGTHAW):
        /// a finite lease may have expired meanwhile, so it is confirmed through INIT-REBOOT.
        /// </summary>
        public Task<DhcpLease> RevalidateAsync(CancellationToken cancel = default)
        {
            DhcpLease? lease;
            lock (gate) lease = machine.Lease;
            if (lease is null) throw new InvalidOperationException("there is no lease to re-validate");
            return lease.ExpiresAt is null ? Task.FromResult(lease) : StartAsync(lease, cancel);
        }

        /// <summary>Sends a RELEASE to the server and stops.</summary>
        public void Release() => Handle(m => m.Release(time.GetUtcNow()));

        /// <summary>Declines the lease and starts over after the RFC's wait.</summary>
        public void Decline() => Handle(m => m.Decline(time.GetUtcNow()));

        /// <summary>Announces the bound address (RFC 5227 2.3), once it is on the interface.</summary>
        public void Announce() => Handle(m => m.Announce(time.GetUtcNow()));

        /// <summary>Stops managing the lease without a word to the server; returns it for storing.</summary>
        public DhcpLease? Drop()
        {
            DhcpLease? lease;
            lock (gate) lease = machine.Lease;
            Handle(m => m.Drop());
            return lease;
        }

        void Handle(Func<DhcpClientMachine, List<DhcpOutput>> input)
        {
            lock (dispatch) HandleInOrder(input);
        }

        void HandleInOrder(Func<DhcpClientMachine, List<DhcpOutput>> input)
        {
            List<DhcpOutput> outputs;
            DateTimeOffset? next;
            lock (gate)
            {
                if (disposed) return;
                outputs = input(machine);
                next = machine.NextTimer;
                var now = time.GetUtcNow();
                var due = next is { } at ? (at > now ? at - now : TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
                timer.Change(due, Timeout.InfiniteTimeSpan);
            }
            foreach (var output in outputs)
            {
                if (output.Message is { } message)
                {
                    _ = socket.SendAsync(message, output.Destination!);
                    continue;
                }
                if (output.ArpPacket is { } arp)
                {
                    try { socket.Arp.Send(arp); }
                    catch (ObjectDisposedException) { }   // closing: the probe or announcement no longer matters
                    continue;
                }
                var kind = output.EventKind!.Value;
                // Subscribers first (the agent stores and configures there), then the waiting caller.
                LeaseEvent?.Invoke(this, new DhcpLeaseEventArgs(kind, time.GetUtcNow(), output.Before, output.After, output.Conflict));
                if (kind is DhcpLeaseEventKind.Bound or DhcpLeaseEventKind.Extended or DhcpLeaseEventKind.Informed && output.After is { } lease)
                    bound.TrySetResult(lease);
            }
        }

        public void Dispose()
        {
            lock (gate)
            {
                if (disposed) return;
                disposed = true;
            }
            timer.Dispose();
            registration.Dispose();
            arpWatch?.Dispose();
            bound.TrySetCanceled();
        }
    }
}
