using System;
using System.Threading;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>
    /// A command the supervisor runs for its caller: passed to the current session, and
    /// parked and sent again on the next one when the connection is lost under it.
    /// </summary>
    sealed class SupervisedCommand : IScsiCompletion
    {
        readonly IscsiSessionSupervisor supervisor;
        readonly IScsiCompletion completion;
        int ended;

        public SupervisedCommand(IscsiSessionSupervisor supervisor, in ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel)
        {
            this.supervisor = supervisor;
            this.completion = completion;
            Request = request;
            Cancel = cancel;
        }

        public ScsiCommandRequest Request { get; }
        public CancellationToken Cancel { get; }
        /// <summary>The session it was last sent on.</summary>
        public IscsiProtocolSession? SentOn { get; set; }
        public CancellationTokenRegistration WhileParked { get; set; }

        public void Complete(in ScsiCommandResult result)
        {
            if (TryEnd()) completion.Complete(result);
        }

        public void Fail(Exception reason)
        {
            if (IsConnectionLoss(reason) && supervisor.TryRetry(this)) return;
            End(reason);
        }

        /// <summary>Tells the caller it failed, unless it has already ended.</summary>
        public void End(Exception reason)
        {
            if (TryEnd()) completion.Fail(reason);
        }

        bool TryEnd()
        {
            if (Interlocked.Exchange(ref ended, 1) != 0) return false;
            WhileParked.Dispose();
            supervisor.OnCommandEnded();
            return true;
        }

        /// <summary>Failures that say nothing about the command itself, only that its connection went.</summary>
        static bool IsConnectionLoss(Exception reason) => reason is IscsiSessionLostException or ObjectDisposedException;
    }
}
