using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Block;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Operations
{
    /// <summary>
    /// The one way operations reach sessions and leases: served in-process today
    /// (<see cref="InProcessService"/>), so an out-of-process agent can serve the same
    /// cmdlets by implementing this. Sessions cross it as data: requests and snapshots
    /// (<see cref="IscsiSessionStatus"/>) keyed by their SessionIdentifier, transitions to an
    /// observer, and the SCSI data path as a transport; every call is a request with a reply
    /// (or a stream of events), so each can be carried over a length-prefixed IPC channel.
    /// </summary>
    public interface IIscsiDhcpService
    {
        /// <summary>The leases: dhcpagent's commands and lease events, as data.</summary>
        IDhcpService Leases { get; }

        Task<IReadOnlyList<IscsiTarget>> DiscoverAsync(TargetAddress portal, LoginSettings settings, string? nodeAddress, TimeSpan timeout,
            CancellationToken cancel);

        /// <summary>Starts a supervised session; it logs in in the background. Returns its first snapshot (its identifier among it).</summary>
        Task<IscsiSessionStatus> StartSessionAsync(IscsiSessionRequest request, CancellationToken cancel);

        /// <summary>The sessions alive now, each as it is now, in the order they started.</summary>
        Task<IReadOnlyList<IscsiSessionStatus>> GetSessionsAsync(CancellationToken cancel);

        /// <summary>
        /// Completes at the session's first login with its snapshot then; throws why when it
        /// ends without one. Cancelling ends the wait only, not the session.
        /// </summary>
        Task<IscsiSessionStatus> WaitForLoginAsync(string sessionIdentifier, CancellationToken cancel);

        /// <summary>
        /// Subscribes <paramref name="observer"/> to a session's transitions: the earlier ones
        /// (the last 256) and every later one, none missed and none twice, then its end. A session
        /// that has just ended is still told (its transitions, then the end). Disposing the
        /// result unsubscribes.
        /// </summary>
        Task<IDisposable> WatchSessionAsync(string sessionIdentifier, IIscsiSessionObserver observer, CancellationToken cancel);

        /// <summary>
        /// Ends a session: logs out after the commands in flight (up to the drain timeout), or
        /// drops the connection at once when <paramref name="force"/>; completes once it has ended.
        /// A session that has already ended is no error. Cancelling ends the wait only.
        /// </summary>
        Task DisconnectSessionAsync(string sessionIdentifier, bool force, CancellationToken cancel);

        /// <summary>
        /// The session's SCSI data path: commands run through the session's supervisor, so they
        /// survive a reconnect. In-process it adds nothing per command to the supervisor's own path.
        /// </summary>
        Task<IScsiTransport> OpenTransportAsync(string sessionIdentifier, CancellationToken cancel);

        /// <summary>
        /// LUN <paramref name="lun"/>'s blocks, checked first (a LUN that is not there, or not a
        /// block device, is an error that names it): SCSI commands through the session's
        /// supervisor in this process, the agent's NBD export for a session the agent holds.
        /// Disposing the result lets go of that way in, never of the session.
        /// </summary>
        Task<IBlockDevice> OpenBlockDeviceAsync(string sessionIdentifier, int lun, bool writable, CancellationToken cancel);
    }
}
