using System;
using System.Collections.Generic;
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

        public IscsiSessionSupervisor StartSession(TargetAddress portal, LoginSettings settings, IscsiSessionOptions sessionOptions, IscsiSupervisorOptions options) =>
            IscsiSessionSupervisor.Start(portal, settings, sessionOptions, options);

        public IReadOnlyList<IscsiSessionSupervisor> Sessions => IscsiSessionRegistry.All;
    }
}
