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
        int losses;

        /// <summary>
        /// How many times a command may lose its connection before it fails: a write a target
        /// keeps dropping the connection over is not replayed without end.
        /// </summary>
        internal const int MaxAttempts = 5;

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
            if (IsConnectionLoss(reason))
            {
                if (++losses >= MaxAttempts)
                {
                    End(new IscsiSessionLostException(
                        $"the connection to {supervisor.TargetName} was lost {losses} times while this command was outstanding; it is not sent again (last: {reason.Message})", reason));
                    return;
                }
                if (supervisor.TryRetry(this)) return;
            }
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
