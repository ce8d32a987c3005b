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
    /// <summary>
    /// The one way operations reach sessions and leases: served in-process today
    /// (<see cref="InProcessService"/>), so an out-of-process agent can serve the same
    /// cmdlets by implementing this.
    /// </summary>
    public interface IIscsiDhcpService : IDhcpService
    {
        Task<IReadOnlyList<IscsiTarget>> DiscoverAsync(TargetAddress portal, LoginSettings settings, string? nodeAddress, TimeSpan timeout,
            CancellationToken cancel);

        /// <summary>Starts a supervised session; it logs in in the background.</summary>
        IscsiSessionSupervisor StartSession(TargetAddress portal, LoginSettings settings, IscsiSessionOptions sessionOptions, IscsiSupervisorOptions options);

        /// <summary>The supervised sessions alive now.</summary>
        IReadOnlyList<IscsiSessionSupervisor> Sessions { get; }
    }
}
