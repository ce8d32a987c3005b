using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Block;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Operations
{
    /// <summary>
    /// Sessions and leases in this process: discovery sessions of their own, the supervisors
    /// it started (and the last ones that ended), and one DHCP agent whose lease store is made
    /// the first time a lease is asked for.
    /// </summary>
    public sealed class InProcessService : IIscsiDhcpService
    {
        public static readonly InProcessService Shared = new();

        readonly InProcessDhcpService dhcp;

        /// <summary>The leases, served by the in-process DHCP agent.</summary>
        public IDhcpService Leases => dhcp;

        internal InProcessDhcpService LocalLeases => dhcp;
        // How many ended sessions stay findable by identifier (a watch or a disconnect that comes just after the end).
        const int EndedKept = 64;
        readonly List<IscsiSessionSupervisor> sessions = new();
        readonly Queue<IscsiSessionSupervisor> ended = new();

        public InProcessService(DhcpAgent? dhcp = null)
        {
            this.dhcp = new InProcessDhcpService(dhcp);
        }

        public async Task<IReadOnlyList<IscsiTarget>> DiscoverAsync(TargetAddress portal, LoginSettings settings, string? nodeAddress, TimeSpan timeout,
            CancellationToken cancel)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(timeout);
            var options = new IscsiSessionOptions { ConnectTimeout = timeout, LoginTimeout = timeout };
            try
            {
                return await SendTargets.DiscoverAsync(portal, settings, nodeAddress, options, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancel.IsCancellationRequested)
            {
                throw new TimeoutException($"discovery at {portal} did not finish within {timeout.TotalSeconds:0.#} s");
            }
        }

        public Task<IscsiSessionStatus> StartSessionAsync(IscsiSessionRequest request, CancellationToken cancel)
        {
            if (request is null) throw new ArgumentNullException(nameof(request));
            cancel.ThrowIfCancellationRequested();
            if (request.IsPersistent && this == Shared)
                throw new InvalidOperationException("a persistent session lives in the IscsiDhcp agent, never in the shell (it would end with it)");
            var supervisor = IscsiSessionSupervisor.StartSupervising(request.Portal, request.Settings, request.SessionOptions, request.Supervision);
            lock (sessions) sessions.Add(supervisor);
            _ = supervisor.Completion.ContinueWith((_, state) => Forget((IscsiSessionSupervisor)state!), supervisor, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return Task.FromResult(supervisor.GetStatus());
        }

        /// <summary>The sessions this service started that are still alive.</summary>
        public Task<IReadOnlyList<IscsiSessionStatus>> GetSessionsAsync(CancellationToken cancel)
        {
            IReadOnlyList<IscsiSessionStatus> alive;
            lock (sessions) alive = sessions.Where(s => !s.Completion.IsCompleted).Select(s => s.GetStatus()).ToList();
            return Task.FromResult(alive);
        }

        public async Task<IscsiSessionStatus> WaitForLoginAsync(string sessionIdentifier, CancellationToken cancel)
        {
            var supervisor = Find(sessionIdentifier);
            await supervisor.WhenLoggedInAsync(cancel).ConfigureAwait(false);
            return supervisor.GetStatus();
        }

        public Task<IDisposable> WatchSessionAsync(string sessionIdentifier, IIscsiSessionObserver observer, CancellationToken cancel)
        {
            if (observer is null) throw new ArgumentNullException(nameof(observer));
            return Task.FromResult<IDisposable>(new Subscription(Find(sessionIdentifier), observer));
        }

        public Task DisconnectSessionAsync(string sessionIdentifier, bool force, CancellationToken cancel) =>
            Find(sessionIdentifier).DisconnectAsync(force, cancel);

        public Task<IScsiTransport> OpenTransportAsync(string sessionIdentifier, CancellationToken cancel) =>
            Task.FromResult<IScsiTransport>(new SupervisedTransport(Find(sessionIdentifier)));

        public async Task<IBlockDevice> OpenBlockDeviceAsync(string sessionIdentifier, int lun, bool writable, CancellationToken cancel)
        {
            var supervisor = Find(sessionIdentifier);
            var (device, capacity) = await IscsiBlockLun.OpenAsync(new SupervisedTransport(supervisor), supervisor.TargetName, lun, cancel).ConfigureAwait(false);
            return new ScsiBlockDevice(device, capacity);
        }

        /// <summary>Whether this service started the session (alive, or among the last that ended).</summary>
        public bool Holds(string sessionIdentifier)
        {
            try
            {
                Find(sessionIdentifier);
                return true;
            }
            catch (IscsiSessionNotFoundException)
            {
                return false;
            }
        }

        /// <summary>A session this service started: alive, or among the last that ended (a watch that comes late still learns how it ended).</summary>
        IscsiSessionSupervisor Find(string sessionIdentifier)
        {
            lock (sessions)
            {
                return sessions.FirstOrDefault(s => string.Equals(s.SessionIdentifier, sessionIdentifier, StringComparison.OrdinalIgnoreCase))
                       ?? ended.FirstOrDefault(s => string.Equals(s.SessionIdentifier, sessionIdentifier, StringComparison.OrdinalIgnoreCase))
                       ?? throw new IscsiSessionNotFoundException(sessionIdentifier);
            }
        }

        void Forget(IscsiSessionSupervisor supervisor)
        {
            lock (sessions)
            {
                sessions.Remove(supervisor);
                ended.Enqueue(supervisor);
                while (ended.Count > EndedKept) ended.Dequeue();
            }
        }

        /// <summary>
        /// The data path handed out: the supervisor's own, behind a type that is only a
        /// transport (nothing else of the supervisor is reachable through it). One call more
        /// per command, no allocation.
        /// </summary>
        sealed class SupervisedTransport : IScsiTransport
        {
            readonly IscsiSessionSupervisor supervisor;

            public SupervisedTransport(IscsiSessionSupervisor supervisor) => this.supervisor = supervisor;

            public void Start(ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel = default) =>
                supervisor.Start(request, completion, cancel);
        }

        /// <summary>One observer of one supervisor: the history replayed under a lock the live transitions also take, so they wait their turn.</summary>
        sealed class Subscription : IDisposable
        {
            readonly IscsiSessionSupervisor supervisor;
            readonly IIscsiSessionObserver observer;
            readonly object order = new();
            int ended;

            public Subscription(IscsiSessionSupervisor supervisor, IIscsiSessionObserver observer)
            {
                this.supervisor = supervisor;
                this.observer = observer;
                lock (order)
                {
                    foreach (var earlier in supervisor.Watch(OnStateChanged)) observer.OnStateChanged(earlier);
                }
                _ = supervisor.Completion.ContinueWith((_, state) => ((Subscription)state!).End(), this, CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            void OnStateChanged(object? sender, IscsiSessionStateChange change)
            {
                lock (order)
                {
                    if (Volatile.Read(ref ended) == 0) observer.OnStateChanged(change);
                }
            }

            void End()
            {
                lock (order)
                {
                    if (Interlocked.Exchange(ref ended, 1) != 0) return;
                    supervisor.StateChanged -= OnStateChanged;
                    observer.OnEnded(supervisor.Failure);
                }
            }

            public void Dispose()
            {
                supervisor.StateChanged -= OnStateChanged;
                Interlocked.Exchange(ref ended, 1);
            }
        }

        /// <summary>
        /// What removing the module does: logs every session out (together, each within
        /// <paramref name="timeout"/>, then drops what is left) and drops every lease. Leases
        /// are never released here: the addresses stay, and a later start INIT-REBOOTs to them.
        /// </summary>
        public async Task ShutdownAsync(TimeSpan timeout)
        {
            var logouts = (await GetSessionsAsync(CancellationToken.None).ConfigureAwait(false)).Select(async session =>
            {
                try
                {
                    var graceful = DisconnectSessionAsync(session.SessionIdentifier, force: false, CancellationToken.None);
                    if (await Task.WhenAny(graceful, Task.Delay(timeout)).ConfigureAwait(false) != graceful)
                        await DisconnectSessionAsync(session.SessionIdentifier, force: true, CancellationToken.None).ConfigureAwait(false);
                }
                catch (IscsiSessionNotFoundException) { }   // ended and forgotten meanwhile
            }).ToList();
            dhcp.DropAll();
            await Task.WhenAll(logouts).ConfigureAwait(false);
        }
    }
}
