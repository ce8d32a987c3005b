using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// The DHCP agent (dhcpagent's command dispatcher): a registry of managed leases keyed
    /// by <see cref="DhcpLeaseKey"/>, each with its client and supervisor timers; commands
    /// admitted by <see cref="DhcpCommandAdmission"/> (at most one outstanding transaction per
    /// lease: a second gets <see cref="DhcpAgentError.Pending"/>); a caller's wait may time
    /// out while the transaction goes on; leases stored for INIT-REBOOT and put on the
    /// interface in order per lease, off the socket's thread; sockets shared through a
    /// <see cref="DhcpSocketPool"/>; events delivered by a <see cref="DhcpEventDispatcher"/>;
    /// option queries answered by <see cref="DhcpLeaseQuery"/>.
    /// </summary>
    public sealed class DhcpAgent : IDisposable
    {
        readonly object gate = new();
        readonly Dictionary<DhcpLeaseKey, ManagedLease> leases = new();
        readonly DhcpSocketPool sockets;
        readonly DhcpEventDispatcher events;
        readonly DhcpLeaseStore store;
        readonly TimeProvider time;
        readonly Func<IInterfaceConfigurator> configurator;
        readonly DhcpClockJumpWatch clock;
        bool disposed;

        /// <summary>
        /// An agent over a lease store. <c>clockCheck</c>: how often the wall clock is compared
        /// with the monotonic one (10 s by default); a jump of more than 5 s (or of half the
        /// interval when that is shorter) re-validates every lease.
        /// </summary>
        public DhcpAgent(DhcpLeaseStore store, TimeProvider? time = null, Func<IInterfaceConfigurator>? configurator = null,
            Func<string, DhcpSocket>? openSocket = null, TimeSpan? clockCheck = null)
        {
            this.store = store;
            this.time = time ?? TimeProvider.System;
            this.configurator = configurator ?? (() => new IprouteConfigurator(this.time));
            sockets = new DhcpSocketPool(openSocket ?? (name => DhcpSocket.Open(name)));
            events = new DhcpEventDispatcher(this);
            var every = clockCheck ?? TimeSpan.FromSeconds(10);
            clock = new DhcpClockJumpWatch(this.time, every, TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, every.Ticks / 2)), RevalidateAll);
        }

        /// <summary>How long a subscriber may take over one event before it is reported as hung.</summary>
        public TimeSpan SubscriberTimeLimit
        {
            get => events.SubscriberTimeLimit;
            set => events.SubscriberTimeLimit = value;
        }

        /// <summary>Lease events (Bound, Extended, Renewing, Rebinding, Expired, Nak, Dropped, Released ...), in order per lease.</summary>
        public event EventHandler<DhcpAgentEventArgs>? LeaseEvent
        {
            add => events.LeaseEvent += value;
            remove => events.LeaseEvent -= value;
        }

        /// <summary>A subscriber threw or overran <see cref="SubscriberTimeLimit"/>; the lease went on regardless.</summary>
        public event EventHandler<DhcpSubscriberFailureEventArgs>? SubscriberFailed
        {
            add => events.SubscriberFailed += value;
            remove => events.SubscriberFailed -= value;
        }

        sealed class ManagedLease
        {
            public ManagedLease(DhcpLeaseKey key, DhcpClient client, bool configure, string socketKey)
            {
                Key = key;
                Client = client;
                Configure = configure;
                SocketKey = socketKey;
            }

            public DhcpLeaseKey Key { get; }
            public string InterfaceName => Key.InterfaceName;
            public string SocketKey { get; }
            public DhcpClient Client { get; }
            public bool Configure { get; set; }
            public bool Primary { get; set; }
            public bool Failed { get; set; }
            public DhcpCommand? Pending { get; set; }
            public DhcpLease? Configured { get; set; }
            /// <summary>The lease's events stored and put on the interface so far, in order (see OnClientEvent).</summary>
            public Task Applied { get; set; } = Task.CompletedTask;
        }

        // ---- asynchronous commands ----

        /// <summary>
        /// START: obtains a lease (INIT-REBOOT from a stored one), waiting up to
        /// <paramref name="wait"/>; on a timeout the attempt goes on. START on a lease being
        /// obtained restarts it; on a fresh interface it creates the lease.
        /// </summary>
        public async Task<DhcpLeaseStatus> StartAsync(DhcpStartRequest request, TimeSpan? wait = null, CancellationToken cancel = default)
        {
            var identity = IdentityOf(request);
            ManagedLease managed;
            lock (gate)
            {
                managed = Manage(request, identity);
                Admit(managed, DhcpCommand.Start, allowRestart: true);
                managed.Failed = false;   // a new attempt; it fails anew or not at all
                managed.Configure |= request.Configure;
                managed.Primary = request.Primary;
            }
            var stored = store.Load(request.InterfaceName, identity.ClientId, time.GetUtcNow());
            return await Run(managed, DhcpCommand.Start, Applied(managed, managed.Client.StartAsync(stored, CancellationToken.None)), wait, cancel).ConfigureAwait(false);
        }

        /// <summary>EXTEND: renews now.</summary>
        public Task<DhcpLeaseStatus> ExtendAsync(string interfaceName, byte[]? clientId = null, TimeSpan? wait = null, CancellationToken cancel = default)
        {
            ManagedLease managed;
            lock (gate)
            {
                managed = Find(interfaceName, clientId);
                Admit(managed, DhcpCommand.Extend);
            }
            return Run(managed, DhcpCommand.Extend, Applied(managed, managed.Client.ExtendAsync(CancellationToken.None)), wait, cancel);
        }

        /// <summary>INFORM: options for an address configured by other means.</summary>
        public async Task<DhcpLeaseStatus> InformAsync(DhcpStartRequest request, IPAddress address, TimeSpan? wait = null, CancellationToken cancel = default)
        {
            var identity = IdentityOf(request);
            ManagedLease managed;
            lock (gate)
            {
                managed = Manage(request with { Configure = false }, identity);
                Admit(managed, DhcpCommand.Inform);
            }
            return await Run(managed, DhcpCommand.Inform, Applied(managed, managed.Client.InformAsync(address, CancellationToken.None)), wait, cancel).ConfigureAwait(false);
        }

        /// <summary>The identity the request names, or by default the interface's own MAC.</summary>
        static DhcpClientIdentity IdentityOf(DhcpStartRequest request) =>
            request.Identity ?? new DhcpClientIdentity(LocalInterfaces.HardwareAddress(request.InterfaceName));

        /// <summary>The managed lease of an interface and client id; a fresh interface gets one (opening its socket, which fails with Permission before anything is sent).</summary>
        ManagedLease Manage(DhcpStartRequest request, DhcpClientIdentity identity)
        {
            ThrowIfDisposed();
            var key = new DhcpLeaseKey(request.InterfaceName, identity.ClientId);
            if (leases.TryGetValue(key, out var existing)) return existing;
            var socket = sockets.Acquire(request, out var socketKey);
            DhcpClient client;
            try { client = new DhcpClient(socket, identity, request.ClientOptions, time); }
            catch (Exception e)
            {
                sockets.Release(socketKey);
                if (e is UnauthorizedAccessException)
                    throw new DhcpAgentException(DhcpAgentError.Permission, $"{request.InterfaceName}: {e.Message}; conflict detection (ARP) needs it (or use -NoConflictDetection)");
                throw;
            }
            var managed = new ManagedLease(key, client, request.Configure, socketKey);
            client.LeaseEvent += (_, e) => OnClientEvent(managed, e);
            leases[key] = managed;
            return managed;
        }

        /// <summary>Checks the command against the lease (BOOTP, the table, the one-transaction rule), then marks it pending.</summary>
        static void Admit(ManagedLease managed, DhcpCommand command, bool allowRestart = false)
        {
            DhcpCommandAdmission.Admit(managed.InterfaceName, managed.Client.State, managed.Client.Lease?.IsBootp == true, managed.Pending, command, allowRestart);
            managed.Pending = command;
        }

        /// <summary>A transaction's lease once the agent has stored it and put it on the interface: what a caller waits for.</summary>
        async Task<DhcpLease> Applied(ManagedLease managed, Task<DhcpLease> transaction)
        {
            var lease = await transaction.ConfigureAwait(false);
            await AppliedSoFar(managed).ConfigureAwait(false);
            return lease;
        }

        Task AppliedSoFar(ManagedLease managed)
        {
            lock (gate) return managed.Applied;
        }

        /// <summary>
        /// Waits for a transaction on the caller's behalf. The transaction itself never sees
        /// the caller's token: a caller that gives up (timeout, Ctrl+C) leaves it running, as
        /// dhcpagent does, and the lease stays pending until it ends.
        /// </summary>
        async Task<DhcpLeaseStatus> Run(ManagedLease managed, DhcpCommand command, Task<DhcpLease> transaction, TimeSpan? wait, CancellationToken cancel)
        {
            // The pending mark is cleared when the transaction ends, before any waiter resumes.
            var concluded = transaction.ContinueWith(t => Conclude(managed, command, t), TaskScheduler.Default);
            var limit = wait ?? Timeout.InfiniteTimeSpan;
            var gateTask = Task.Delay(limit, cancel);
            if (await Task.WhenAny(concluded, gateTask).ConfigureAwait(false) != concluded)
            {
                cancel.ThrowIfCancellationRequested();
                throw new DhcpAgentException(DhcpAgentError.Timeout, $"{managed.InterfaceName}: {command} did not finish within {limit.TotalSeconds:0.#} s; it goes on in the background");
            }
            await transaction.ConfigureAwait(false);
            return StatusOf(managed);
        }

        void Conclude(ManagedLease managed, DhcpCommand command, Task<DhcpLease> transaction)
        {
            lock (gate)
            {
                if (managed.Pending == command) managed.Pending = null;
                if (transaction.IsFaulted) managed.Failed = true;
            }
        }

        // ---- synchronous commands ----

        /// <summary>RELEASE: gives the lease back, deletes it from disk and takes it off the interface.</summary>
        public DhcpLeaseStatus Release(string interfaceName, byte[]? clientId = null)
        {
            ManagedLease managed;
            lock (gate)
            {
                managed = Find(interfaceName, clientId);
                DhcpCommandAdmission.RefuseBootp(interfaceName, managed.Client.Lease?.IsBootp == true, DhcpCommand.Release);
                DhcpCommandAdmission.RefuseByTable(interfaceName, managed.Client.State, DhcpCommand.Release);
            }
            var status = StatusOf(managed);
            managed.Client.Release();
            AwaitApplied(managed);
            store.Delete(interfaceName, managed.Key.ClientIdBytes);
            if (managed.Configured is { } configured) configurator().Remove(interfaceName, configured);
            Forget(managed);
            AwaitDelivery(managed);
            return status with { State = DhcpClientState.Stopped };
        }

        /// <summary>DROP: stops managing the lease; it stays on disk and on the interface.</summary>
        public DhcpLeaseStatus Drop(string interfaceName, byte[]? clientId = null)
        {
            ManagedLease managed;
            lock (gate) managed = Find(interfaceName, clientId);
            var status = StatusOf(managed);
            var lease = managed.Client.Drop();
            AwaitApplied(managed);
            if (lease is not null) store.Save(interfaceName, managed.Key.ClientIdBytes, lease);
            Forget(managed);
            AwaitDelivery(managed);
            return status with { State = DhcpClientState.Stopped };
        }

        /// <summary>What earlier events asked of the store and the interface is done before RELEASE or DROP acts.</summary>
        void AwaitApplied(ManagedLease managed)
        {
            try { AppliedSoFar(managed).Wait(); }
            catch (AggregateException) { }
        }

        /// <summary>
        /// Waits (a subscriber's time limit at most) until subscribers have had the lease's last
        /// events, so that when RELEASE or DROP returns, a job watching the lease has ended too.
        /// </summary>
        void AwaitDelivery(ManagedLease managed)
        {
            AwaitApplied(managed);   // events reach the dispatcher once applied
            events.AwaitDelivery(managed.Key);
        }

        /// <summary>PING: whether the agent manages the lease and it has not failed.</summary>
        public bool Ping(string interfaceName, byte[]? clientId = null)
        {
            lock (gate)
            {
                var managed = Find(interfaceName, clientId);
                if (managed.Failed) throw new DhcpAgentException(DhcpAgentError.FailedInterface, $"{interfaceName}: the last attempt to obtain a lease failed");
                return managed.Client.State is DhcpClientState.Bound or DhcpClientState.Renewing or DhcpClientState.Rebinding or DhcpClientState.Information;
            }
        }

        public DhcpLeaseStatus Status(string interfaceName, byte[]? clientId = null)
        {
            ManagedLease managed;
            lock (gate) managed = Find(interfaceName, clientId);
            return StatusOf(managed);
        }

        public IReadOnlyList<DhcpLeaseStatus> StatusAll()
        {
            List<ManagedLease> all;
            lock (gate) all = leases.Values.ToList();
            return all.Select(StatusOf).ToList();
        }

        /// <summary>GET_OPTION by code: the current ACK's value, else the original ACK's (as dhcpagent does).</summary>
        public byte[] GetOption(string interfaceName, byte code, byte[]? clientId = null) =>
            DhcpLeaseQuery.Option(LeaseForQuery(interfaceName, clientId), interfaceName, code);

        /// <summary>GET_OPTION by name; an unknown name is refused before any lease is looked at.</summary>
        public byte[] GetOption(string interfaceName, string name, byte[]? clientId = null) =>
            GetOption(interfaceName, DhcpOptionRegistry.CodeOf(name) ?? throw new ArgumentException($"'{name}' is not a DHCP option name", nameof(name)), clientId);

        /// <summary>A vendor-specific (43) sub-option.</summary>
        public byte[] GetVendorOption(string interfaceName, byte subCode, byte[]? clientId = null) =>
            DhcpLeaseQuery.VendorOption(LeaseForQuery(interfaceName, clientId), interfaceName, subCode);

        /// <summary>A BOOTP header field of the ACK: siaddr, giaddr, ciaddr, yiaddr, sname, file, chaddr, hops, secs, xid.</summary>
        public string GetField(string interfaceName, string field, byte[]? clientId = null) =>
            DhcpLeaseQuery.Field(LeaseForQuery(interfaceName, clientId), field);

        DhcpLease LeaseForQuery(string interfaceName, byte[]? clientId)
        {
            lock (gate)
            {
                var managed = Find(interfaceName, clientId);
                if (!DhcpCommandTable.IsAllowed(managed.Client.State, DhcpCommand.GetOption))
                    throw new DhcpAgentException(DhcpAgentError.NotAllowedInState, $"{interfaceName}: no lease to read options from while {managed.Client.State}");
                return managed.Client.Lease!;
            }
        }

        /// <summary>
        /// After a suspend/resume or a clock jump (<see cref="DhcpClockJumpWatch"/>): every finite
        /// lease with no transaction under way is confirmed with its server (INIT-REBOOT), in the
        /// background; how each ends shows in its status and events.
        /// </summary>
        void RevalidateAll()
        {
            List<ManagedLease> all;
            lock (gate)
            {
                if (disposed) return;
                all = leases.Values.Where(m => m.Client.Lease?.ExpiresAt is not null && m.Pending is null).ToList();
                foreach (var m in all) m.Pending = DhcpCommand.Start;
            }
            foreach (var m in all)
            {
                Task<DhcpLease> check;
                try { check = m.Client.RevalidateAsync(); }
                catch (InvalidOperationException) { check = Task.FromException<DhcpLease>(new DhcpAgentException(DhcpAgentError.UnknownInterface, "the lease ended")); }
                // Nobody waits for these: a failure is the lease's (Failed), observed here.
                _ = Run(m, DhcpCommand.Start, Applied(m, check), null, CancellationToken.None)
                    .ContinueWith(t => GC.KeepAlive(t.Exception), TaskScheduler.Default);
            }
        }

        // ---- plumbing ----

        ManagedLease Find(string interfaceName, byte[]? clientId)
        {
            ThrowIfDisposed();
            if (clientId is not null)
                return leases.TryGetValue(new DhcpLeaseKey(interfaceName, clientId), out var exact) ? exact
                    : throw new DhcpAgentException(DhcpAgentError.UnknownInterface, $"no lease managed on {interfaceName} for that client id");
            var onInterface = leases.Values.Where(m => m.InterfaceName == interfaceName).ToList();
            return onInterface.Count switch
            {
                1 => onInterface[0],
                0 => throw new DhcpAgentException(DhcpAgentError.UnknownInterface, $"no lease is managed on {interfaceName}"),
                _ => throw new ArgumentException($"{onInterface.Count} leases are managed on {interfaceName}; name the client id", nameof(clientId)),
            };
        }

        void Forget(ManagedLease managed)
        {
            lock (gate)
            {
                leases.Remove(managed.Key);
                managed.Client.Dispose();
            }
            sockets.Release(managed.SocketKey);
        }

        DhcpLeaseStatus StatusOf(ManagedLease managed)
        {
            var client = managed.Client;
            var lease = client.Lease;
            return new DhcpLeaseStatus
            {
                Key = managed.Key,
                State = client.State,
                Address = lease?.Address,
                PrefixLength = lease?.PrefixLength ?? 0,
                Server = lease?.Server,
                LeaseBegan = lease?.Obtained,
                RenewAt = lease?.RenewAt,
                RebindAt = lease?.RebindAt,
                ExpiresAt = lease?.ExpiresAt,
                DnsServers = lease?.DnsServers ?? Array.Empty<IPAddress>(),
                DomainName = lease?.DomainName,
                Routers = lease?.Routers ?? Array.Empty<IPAddress>(),
                Primary = managed.Primary,
                Failed = managed.Failed,
                Bootp = lease?.IsBootp == true,
                Configured = managed.Configured is not null,
                Pending = managed.Pending,
                PacketsSent = client.PacketsSent,
                PacketsReceived = client.PacketsReceived,
                BadPackets = client.BadPackets,
                BadOffers = client.BadOffers,
                ConflictDetection = client.ConflictDetection,
                ProbesSent = client.ProbesSent,
                Conflicts = client.Conflicts,
                Declines = client.Declines,
                LastConflict = client.LastConflict,
                MalformedArpFrames = client.MalformedArpFrames,
            };
        }

        /// <summary>
        /// Client events, on the client's thread (the socket's receive thread, a timer's, a
        /// caller's): queued at once behind the lease's earlier ones, so storing the lease and
        /// running `ip` never hold up the socket's other clients; then handed to subscribers.
        /// </summary>
        void OnClientEvent(ManagedLease managed, DhcpLeaseEventArgs e)
        {
            lock (gate) managed.Applied = managed.Applied.ContinueWith(_ => Apply(managed, e), CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default);
        }

        /// <summary>Stores and configures what the event asks, then publishes it.</summary>
        void Apply(ManagedLease managed, DhcpLeaseEventArgs e)
        {
            try
            {
                switch (e.Kind)
                {
                    case DhcpLeaseEventKind.Bound or DhcpLeaseEventKind.Extended when e.After is { } lease:
                        store.Save(managed.InterfaceName, managed.Key.ClientIdBytes, lease);
                        if (managed.Configure)
                        {
                            var configuring = configurator();
                            try { configuring.Apply(managed.InterfaceName, lease, managed.Configured); }
                            catch (DhcpAgentException)
                            {
                                // Half a configuration is taken off again (only what the lease adds; nothing of others').
                                managed.Configured = null;
                                try { configuring.Remove(managed.InterfaceName, lease); }
                                catch (DhcpAgentException) { }
                                throw;
                            }
                            managed.Configured = lease;
                            // RFC 5227 2.3: a new address is announced once it is on the interface.
                            if (e.Kind == DhcpLeaseEventKind.Bound) managed.Client.Announce();
                        }
                        break;
                    case DhcpLeaseEventKind.Expired or DhcpLeaseEventKind.Conflict when managed.Configured is { } configured:
                        configurator().Remove(managed.InterfaceName, configured);
                        managed.Configured = null;
                        break;
                    // A refused or declined lease goes off the interface at once, also one this agent did not put
                    // there (configured by an earlier run and dropped, now NAKed at INIT-REBOOT or found in use by
                    // another host): its lifetime may be long.
                    case DhcpLeaseEventKind.Nak or DhcpLeaseEventKind.Declined when (managed.Configured ?? (managed.Configure ? e.Before : null)) is { } refused:
                        configurator().Remove(managed.InterfaceName, refused);
                        managed.Configured = null;
                        break;
                }
            }
            catch (Exception failure) when (failure is DhcpAgentException or System.IO.IOException or UnauthorizedAccessException)
            {
                managed.Failed = true;
                events.ReportFailure(new DhcpSubscriberFailureEventArgs(managed.InterfaceName, e.Kind, failure));
            }
            events.Publish(new DhcpAgentEventArgs(managed.Key, e));
        }

        void ThrowIfDisposed()
        {
            if (disposed) throw new ObjectDisposedException(nameof(DhcpAgent));
        }

        /// <summary>Shuts the agent down: every lease is dropped (kept on disk and on the interface), never released.</summary>
        public void Dispose()
        {
            List<ManagedLease> all;
            lock (gate)
            {
                if (disposed) return;
                all = leases.Values.ToList();
            }
            clock.Dispose();
            foreach (var managed in all) Drop(managed.InterfaceName, managed.Key.ClientIdBytes);
            lock (gate) disposed = true;
        }
    }
}
