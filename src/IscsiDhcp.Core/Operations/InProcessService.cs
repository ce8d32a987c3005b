using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Operations
{
    /// <summary>
    /// Sessions and leases in this process: discovery sessions of their own, supervisors in
    /// <see cref="IscsiSessionRegistry"/>, and one DHCP agent whose lease store is made the
    /// first time a lease is asked for.
    /// </summary>
    public sealed class InProcessService : IIscsiDhcpService
    {
        public static readonly InProcessService Shared = new();

        readonly InProcessDhcpService dhcp;
        readonly List<IscsiSessionSupervisor> started = new();

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

        public IscsiSessionSupervisor StartSession(TargetAddress portal, LoginSettings settings, IscsiSessionOptions sessionOptions, IscsiSupervisorOptions options)
        {
            var supervisor = IscsiSessionSupervisor.Start(portal, settings, sessionOptions, options);
            lock (started) started.Add(supervisor);
            _ = supervisor.Completion.ContinueWith(_ => { lock (started) started.Remove(supervisor); }, TaskScheduler.Default);
            return supervisor;
        }

        /// <summary>The sessions this service started that are still alive (the process may hold others: see <see cref="IscsiSessionRegistry"/>).</summary>
        public IReadOnlyList<IscsiSessionSupervisor> Sessions
        {
            get { lock (started) return started.Where(s => !s.Completion.IsCompleted).ToList(); }
        }

        /// <summary>
        /// What removing the module does: logs every session out (together, each within
        /// <paramref name="timeout"/>, then drops what is left) and drops every lease. Leases
        /// are never released here: the addresses stay, and a later start INIT-REBOOTs to them.
        /// </summary>
        public async Task ShutdownAsync(TimeSpan timeout)
        {
            var logouts = Sessions.Select(async session =>
            {
                var graceful = session.DisconnectAsync(force: false);
                if (await Task.WhenAny(graceful, Task.Delay(timeout)).ConfigureAwait(false) != graceful)
                    await session.DisconnectAsync(force: true).ConfigureAwait(false);
            }).ToList();
            dhcp.DropAll();
            await Task.WhenAll(logouts).ConfigureAwait(false);
        }

        // ---- leases: IDhcpService, served by the in-process DHCP service ----

        public Task<DhcpLeaseStatus> StartAsync(DhcpStartRequest request, TimeSpan? wait = null, CancellationToken cancel = default) => dhcp.StartAsync(request, wait, cancel);
        public Task<DhcpLeaseStatus> InformAsync(DhcpStartRequest request, System.Net.IPAddress address, TimeSpan? wait = null, CancellationToken cancel = default) =>
            dhcp.InformAsync(request, address, wait, cancel);
        public Task<DhcpLeaseStatus> ExtendAsync(DhcpLeaseKey lease, TimeSpan? wait = null, CancellationToken cancel = default) => dhcp.ExtendAsync(lease, wait, cancel);
        public Task<DhcpLeaseStatus> ReleaseAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => dhcp.ReleaseAsync(lease, cancel);
        public Task<DhcpLeaseStatus> DropAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => dhcp.DropAsync(lease, cancel);
        public Task<bool> PingAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => dhcp.PingAsync(lease, cancel);
        public Task<DhcpLeaseStatus> StatusAsync(DhcpLeaseKey lease, CancellationToken cancel = default) => dhcp.StatusAsync(lease, cancel);
        public Task<IReadOnlyList<DhcpLeaseStatus>> StatusAllAsync(CancellationToken cancel = default) => dhcp.StatusAllAsync(cancel);
        public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, byte code, CancellationToken cancel = default) => dhcp.GetOptionAsync(lease, code, cancel);
        public Task<byte[]> GetOptionAsync(DhcpLeaseKey lease, string name, CancellationToken cancel = default) => dhcp.GetOptionAsync(lease, name, cancel);
        public Task<byte[]> GetVendorOptionAsync(DhcpLeaseKey lease, byte subCode, CancellationToken cancel = default) => dhcp.GetVendorOptionAsync(lease, subCode, cancel);
        public Task<string> GetFieldAsync(DhcpLeaseKey lease, string field, CancellationToken cancel = default) => dhcp.GetFieldAsync(lease, field, cancel);
        public Task<IDisposable> SubscribeAsync(DhcpLeaseKey? lease, Action<DhcpAgentEventArgs> onEvent, CancellationToken cancel = default) =>
            dhcp.SubscribeAsync(lease, onEvent, cancel);
    }
}
