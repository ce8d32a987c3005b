using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Operations
{
    /// <summary>
    /// <see cref="IDhcpService"/> in this process: one <see cref="DhcpAgent"/>, made (with its
    /// lease store) the first time a lease is asked for. Replies are what an agent in another
    /// process would send: snapshots, bytes, text, or a faulted task with the agent's error.
    /// </summary>
    public sealed class InProcessDhcpService : IDhcpService
    {
        readonly Lazy<DhcpAgent> agent;

        /// <param name="agent">The agent to serve; by default one over <see cref="DefaultLeaseDirectory"/>, made when first needed.</param>
        public InProcessDhcpService(DhcpAgent? agent = null)
        {
            this.agent = agent is null ? new Lazy<DhcpAgent>(() => new DhcpAgent(new DhcpLeaseStore(DefaultLeaseDirectory))) : new Lazy<DhcpAgent>(() => agent);
        }

        /// <summary>Where leases are kept for INIT-REBOOT after a restart: /var/lib/iscsidhcp/leases, or under ProgramData on Windows.</summary>
        public static string DefaultLeaseDirectory =>
            System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)
                ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "IscsiDhcp", "leases")
                : "/var/lib/iscsidhcp/leases";

        DhcpAgent Agent => agent.Value;

        public Task<DhcpLeaseStatus> StartAsync(DhcpStartRequest request, TimeSpan? wait = null, CancellationToken cancel = default) =>
            Agent.StartAsync(request, wait, cancel);

        public Task<DhcpLeaseStatus> InformAsync(DhcpStartRequest request, IPAddress address, TimeSpan? wait = null, CancellationToken cancel = default) =>
            Agent.InformAsync(request, address, wait, cancel);

        public Task<DhcpLeaseStatus> ExtendAsync(DhcpLeaseKey lease, TimeSpan? wait = null, CancellationToken cancel = default) =>
            Agent.ExtendAsync(lease.InterfaceName, lease.ClientIdBytes, wait, cancel);

        // RELEASE and DROP run on the caller's thread: the agent knows a subscriber calling them
        // from its own delivery by that thread, and must not wait for that delivery.
        public Task<DhcpLeaseStatus> ReleaseAsync(DhcpLeaseKey lease, CancellationToken cancel = default) =>
            Reply(() => Agent.Release(lease.InterfaceName, lease.ClientIdBytes), cancel);

        public Task<DhcpLeaseStatus> DropAsync(DhcpLeaseKey lease, CancellationToken cancel = default) =>
            Reply(() => Agent.Drop(lease.InterfaceName, lease.ClientIdBytes), cancel);

        public Task<bool> PingAsync(DhcpLeaseKey lease, CancellationToken cancel = default) =>
            Reply(() => Agent.Ping(lease.InterfaceName, lease.ClientIdBytes), cancel);

        public Task<DhcpLeaseStatus> StatusAsync(DhcpLeaseKey lease, CancellationToken cancel = default) =>
            Reply(() => Agent.Status(lease.InterfaceName, lease.ClientIdBytes), cancel);

        /// <summary>No lease before the agent exists: asking does not make it (nor its store).</summary>
        public Task<IReadOnlyList<DhcpLeaseStatus>> StatusAllAsync(CancellationToken cancel = default) =>
            Reply(() => agent.IsValueCreated ? Agent.StatusAll() : Array.Empty<DhcpLeaseStatus>(), cancel);

        public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, byte code, CancellationToken cancel = default) =>
            Reply(() => Agent.GetOption(lease.InterfaceName, code, lease.ClientIdBytes), cancel);

        public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, string name, CancellationToken cancel = default) =>
            Reply(() => Agent.GetOption(lease.InterfaceName, name, lease.ClientIdBytes), cancel);

        public Task<byte[]> GetVendorOptionAsync(DhcpLeaseKey lease, byte subCode, CancellationToken cancel = default) =>
            Reply(() => Agent.GetVendorOption(lease.InterfaceName, subCode, lease.ClientIdBytes), cancel);

        public Task<string> GetFieldAsync(DhcpLeaseKey lease, string field, CancellationToken cancel = default) =>
            Reply(() => Agent.GetField(lease.InterfaceName, field, lease.ClientIdBytes), cancel);

        public Task<IDisposable> SubscribeAsync(DhcpLeaseKey? lease, Action<DhcpAgentEventArgs> onEvent, CancellationToken cancel = default) =>
            Reply(() => (IDisposable)new Subscription(Agent, lease, onEvent), cancel);

        /// <summary>Whether this service manages the lease (asking does not make the agent).</summary>
        public bool Holds(DhcpLeaseKey lease) => agent.IsValueCreated && Agent.StatusAll().Any(s => s.Key == lease);

        /// <summary>
        /// What the end of the module does to leases: every one is dropped (kept stored and on
        /// the interface), never released, so a later start INIT-REBOOTs to the same address.
        /// </summary>
        public void DropAll()
        {
            if (!agent.IsValueCreated) return;
            foreach (var lease in Agent.StatusAll())
            {
                try { Agent.Drop(lease.InterfaceName, lease.Key.ClientIdBytes); }
                catch (DhcpAgentException) { }   // ended meanwhile
            }
        }

        /// <summary>A synchronous command's reply as a task: its value, or its failure (never thrown at the call).</summary>
        static Task<T> Reply<T>(Func<T> command, CancellationToken cancel)
        {
            if (cancel.IsCancellationRequested) return Task.FromCanceled<T>(cancel);
            try { return Task.FromResult(command()); }
            catch (Exception e) { return Task.FromException<T>(e); }
        }

        sealed class Subscription : IDisposable
        {
            readonly DhcpAgent agent;
            readonly DhcpLeaseKey? lease;
            readonly Action<DhcpAgentEventArgs> onEvent;

            public Subscription(DhcpAgent agent, DhcpLeaseKey? lease, Action<DhcpAgentEventArgs> onEvent)
            {
                this.agent = agent;
                this.lease = lease;
                this.onEvent = onEvent;
                agent.LeaseEvent += OnLeaseEvent;
            }

            void OnLeaseEvent(object? sender, DhcpAgentEventArgs e)
            {
                if (lease is { } only && e.Lease != only) return;
                onEvent(e);
            }

            public void Dispose() => agent.LeaseEvent -= OnLeaseEvent;
        }
    }
}
