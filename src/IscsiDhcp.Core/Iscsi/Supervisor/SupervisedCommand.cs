using System;
using System.Threading;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>
    /// A command the supervisor runs for its caller: passed to the current session, and
    /// parked and sent again on the next one when the connection is lost under it. Records are
    /// pooled by their supervisor: one goes back only after its command has ended and its
    /// caller has been told, when no session (each tells a command's end once), park list or
    /// cancellation registration refers to it any more.
    /// </summary>
    sealed class SupervisedCommand : IScsiCompletion
    {
        readonly IscsiSessionSupervisor supervisor;
        IScsiCompletion? completion;
        int ended;
        int losses;

        /// <summary>
        /// How many times a command may lose its connection before it fails: a write a target
        /// keeps dropping the connection over is not replayed without end.
        /// </summary>
        internal const int MaxAttempts = 5;

        public SupervisedCommand(IscsiSessionSupervisor supervisor) => this.supervisor = supervisor;

        /// <summary>Takes a command for a caller (a fresh record, or one that has ended and come back).</summary>
        public void Begin(in ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel)
        {
            this.completion = completion;
            Request = request;
            Cancel = cancel;
            losses = 0;
            Volatile.Write(ref ended, 0);
        }

        public ScsiCommandRequest Request { get; private set; }
        public CancellationToken Cancel { get; private set; }
        /// <summary>The session it was last sent on.</summary>
        public IscsiProtocolSession? SentOn { get; set; }
        public CancellationTokenRegistration WhileParked { get; set; }

        public void Complete(in ScsiCommandResult result)
        {
            if (!TryEnd(out var caller)) return;
            caller.Complete(result);
            Recycle();
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
            if (!TryEnd(out var caller)) return;
            caller.Fail(reason);
            Recycle();
        }

        bool TryEnd(out IScsiCompletion caller)
        {
            caller = null!;
            if (Interlocked.Exchange(ref ended, 1) != 0) return false;
            caller = completion!;
            WhileParked.Dispose();
            WhileParked = default;
            supervisor.OnCommandEnded();
            return true;
        }

        /// <summary>Forgets the caller's command and goes back to the pool (after the caller was told, so a caller that starts its next command at once gets another record).</summary>
        void Recycle()
        {
            completion = null;
            Request = default;
            Cancel = default;
            SentOn = null;
            supervisor.ReturnCommand(this);
        }

        /// <summary>Failures that say nothing about the command itself, only that its connection went.</summary>
        static bool IsConnectionLoss(Exception reason) => reason is IscsiSessionLostException or ObjectDisposedException;
    }
}
