using System.Threading;

namespace IscsiDhcp.Scsi
{
    /// <summary>Something that runs SCSI commands: an iSCSI session, or a supervisor that keeps one alive.</summary>
    public interface IScsiTransport
    {
        /// <summary>
        /// Starts a command: it is queued, sent when the command window has room, and its
        /// outcome (including a failure to send it) goes to <paramref name="completion"/>,
        /// never to an exception from here. A callback instead of a task, so the read path
        /// allocates nothing per command. Cancelling aborts the command.
        /// </summary>
        void Start(ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel = default);
    }
}
