using System;

namespace IscsiDhcp.Scsi
{
    /// <summary>
    /// Told how a SCSI command ended, exactly once: <see cref="Complete"/> with the target's
    /// answer or <see cref="Fail"/> when there was none (lost session, abort, refused PDU).
    /// A transport calls it where the caller's own code may run, so an implementation may
    /// resume whoever awaits the command inline. An iSCSI session calls it on its receive
    /// thread between PDUs (or on its completion threads); a call that blocks there costs the
    /// thread its role (another one reads the connection), never the session's progress.
    /// </summary>
    public interface IScsiCompletion
    {
        void Complete(in ScsiCommandResult result);

        void Fail(Exception reason);
    }
}
