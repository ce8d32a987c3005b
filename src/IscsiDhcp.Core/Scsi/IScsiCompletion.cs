using System;

namespace IscsiDhcp.Scsi
{
    /// <summary>
    /// Told how a SCSI command ended, exactly once: <see cref="Complete"/> with the target's
    /// answer or <see cref="Fail"/> when there was none (lost session, abort, refused PDU).
    /// A transport calls it where the caller's own code may run (never on the thread that
    /// reads its connection; an iSCSI session uses its completion threads), so an
    /// implementation may resume whoever awaits the command inline.
    /// </summary>
    public interface IScsiCompletion
    {
        void Complete(in ScsiCommandResult result);

        void Fail(Exception reason);
    }
}
