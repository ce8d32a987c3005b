using System;
using System.Collections.Generic;
using System.Threading;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>
    /// A session's queue-depth slots: a SCSI command takes one before it is registered and sent
    /// and gives it back when it ends. A command that finds none waits in line, and the slot a
    /// finishing command gives back goes straight to the first in line, on the thread that
    /// finished it (the receive thread, mostly), which then queues that command for sending.
    /// With SemaphoreSlim.WaitAsync every hand-over was a thread-pool work item: a client that
    /// keeps more commands going than the depth (nbdcopy's 128 reads through the agent's export
    /// at depth 32) paid a pool wake-up and its context switches per command (perf,
    /// sched_switch: 6,300 pool-thread switches per 512 MiB copied).
    /// </summary>
    sealed class CommandSlots
    {
        readonly object gate = new();
        readonly Queue<Waiter> line = new();
        int free;

        public CommandSlots(int depth) => free = depth;

        /// <summary>
        /// True when a slot was free and is now the caller's. Otherwise the command waits in line
        /// until <see cref="Release"/> hands it one; cancelled before that, its completion is
        /// failed and it leaves the line.
        /// </summary>
        public bool TryTakeOrWait(in ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel)
        {
            lock (gate)
            {
                if (free > 0)
                {
                    free--;
                    return true;
                }
                if (!cancel.IsCancellationRequested)
                {
                    var waiter = new Waiter(this, request, completion, cancel);
                    line.Enqueue(waiter);
                    // Registered under the lock, so a hand-over always finds the registration to dispose.
                    if (cancel.CanBeCanceled) waiter.Registration = cancel.Register(state => ((Waiter)state!).Cancelled(), waiter);
                    return false;
                }
            }
            completion.Fail(new OperationCanceledException("the command was cancelled before it was sent", cancel));
            return false;
        }

        /// <summary>
        /// Gives a slot back: the first command still waiting gets it (returned, with its
        /// cancellation registration disposed: the caller sends it now), or it is free again (null).
        /// </summary>
        public Waiter? Release()
        {
            Waiter? next = null;
            lock (gate)
            {
                while (line.Count > 0)
                {
                    var waiter = line.Dequeue();
                    if (waiter.Gone) continue;
                    waiter.Handed = true;
                    next = waiter;
                    break;
                }
                if (next is null) free++;
            }
            next?.Registration.Dispose();
            return next;
        }

        /// <summary>A command waiting for a slot.</summary>
        public sealed class Waiter
        {
            readonly CommandSlots owner;

            public Waiter(CommandSlots owner, in ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel)
            {
                this.owner = owner;
                Request = request;
                Completion = completion;
                Cancel = cancel;
            }

            public ScsiCommandRequest Request { get; }
            public IScsiCompletion Completion { get; }
            public CancellationToken Cancel { get; }
            internal CancellationTokenRegistration Registration;
            // Both guarded by the owner's lock: a waiter is either handed a slot or gone, never both.
            internal bool Handed;
            internal bool Gone;

            internal void Cancelled()
            {
                lock (owner.gate)
                {
                    if (Handed) return;
                    Gone = true;
                }
                Completion.Fail(new OperationCanceledException("the command was cancelled before it was sent", Cancel));
            }
        }
    }
}
