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

        readonly Lazy<DhcpAgent> dhcp;
        readonly List<IscsiSessionSupervisor> started = new();

        public InProcessService(DhcpAgent? dhcp = null)
        {
            this.dhcp = dhcp is null ? new Lazy<DhcpAgent>(() => new DhcpAgent(new DhcpLeaseStore(DefaultLeaseDirectory))) : new Lazy<DhcpAgent>(() => dhcp);
        }

        /// <summary>Where leases are kept for INIT-REBOOT after a restart: /var/lib/iscsidhcp/leases, or under ProgramData on Windows.</summary>
        public static string DefaultLeaseDirectory =>
            System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)
                ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "IscsiDhcp", "leases")
                : "/var/lib/iscsidhcp/leases";

        public DhcpAgent Dhcp => dhcp.Value;

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
            if (dhcp.IsValueCreated)
            {
                foreach (var lease in dhcp.Value.StatusAll())
                {
                    try { dhcp.Value.Drop(lease.InterfaceName, Operations.Dhcp.DhcpLeaseSelector.ClientIdBytes(lease)); }
                    catch (DhcpAgentException) { }   // ended meanwhile
                }
            }
            await Task.WhenAll(logouts).ConfigureAwait(false);
        }
    }
}
