using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Operations
{
    /// <summary>Sessions in this process: discovery sessions of their own, supervisors in <see cref="IscsiSessionRegistry"/>.</summary>
    public sealed class InProcessService : IIscsiDhcpService
    {
        public static readonly InProcessService Shared = new();

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
