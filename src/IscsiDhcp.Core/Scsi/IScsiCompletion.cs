using System;

namespace IscsiDhcp.Scsi
{
    /// <summary>
    /// Told how a SCSI command ended, exactly once: <see cref="Complete"/> with the target's
    /// answer or <see cref="Fail"/> when there was none (lost session, abort, refused PDU).
    /// Called on the transport's receive thread as often as not: it must return quickly and
    /// never block or send.
    /// </summary>
    public interface IScsiCompletion
    {
        void Complete(in ScsiCommandResult result);

        void Fail(Exception reason);
    }
}
