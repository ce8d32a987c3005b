using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Transport;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Scsi;
using IscsiDhcp.Common;

namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>
    /// A logged-in iSCSI session on one connection (error recovery level 0): pipelined
    /// SCSI commands bounded by the target's CmdSN window and a queue depth, Data-In
    /// landed in the caller's buffer, Data-Out for immediate, unsolicited and R2T-solicited
    /// data, NOP answers and pings, task management, text exchanges and logout.
    /// </summary>
    public sealed partial class IscsiProtocolSession : IScsiTransport, IDisposable
    {
        readonly IscsiConnection connection;
        // Commands and exchanges awaiting the target, by initiator task tag, and finished
        // command records kept for reuse; both guarded by locking `pending`.
        readonly Dictionary<uint, PendingTask> pending = new();
        readonly Stack<PendingTask> idleTasks = new();
        readonly CommandSlots slots;
        // Commands wait here for their CmdSN and their turn on the wire; `sending` says a thread
        // is draining the queue, and the batch arrays are that thread's (all guarded by sendQueue).
        const int MaxBatch = 32;
        readonly Queue<PendingTask> sendQueue = new();
        readonly PendingTask[] batch = new PendingTask[MaxBatch];
        readonly byte[] batchHeaders = new byte[MaxBatch * Bhs.Length];
        // The turn on the wire for PDUs that carry a CmdSN: whoever holds it gives out CmdSN and
        // ExpStatSN and writes, so a target sees the numbers in the order they were given (an
        // immediate NOP-Out stamped before commands queued after it went out first would carry a
        // stale CmdSN). The sender of queued commands takes it in place; exchanges await it.
        readonly SemaphoreSlim wire = new(1, 1);
        readonly ReadOnlyMemory<byte>[] batchData = new ReadOnlyMemory<byte>[MaxBatch];
        readonly WaitCallback drainSendQueue;
        readonly Action drainNow;
        readonly Action replaceReceiveThread;
        bool sending;
        // Set on this session's receive thread when a PDU it handles opened the send queue (the
        // window moved, a slot went to a waiting command): it sends after the PDU (the receive thread's alone).
        bool drainAfterDispatch;
        readonly object windowLock = new();
        readonly CancellationTokenSource closing = new();
        readonly ConcurrentDictionary<uint, byte> abandoned = new();
        // One delegate for every cancellable command (a lambda per command would capture its token).
        readonly Action<object?> abortOnCancel;
        // Made only when a command waits for the window, so an answer that moves it allocates nothing.
        TaskCompletionSource<bool>? windowMoved;
        uint nextTag;
        uint cmdSN;
        uint expStatSN;
        uint expCmdSN;
        uint maxCmdSN;
        long bytesRead;
        long bytesWritten;
        Exception? failure;

        IscsiProtocolSession(IscsiConnection connection, TargetAddress portal, LoginSettings settings, ulong isid, ushort tsih,
            SessionParameters parameters, uint statSN, uint expCmdSN, uint maxCmdSN, int queueDepth, uint firstTag)
        {
            this.connection = connection;
            Portal = portal;
            TargetName = settings.TargetName;
            SessionType = settings.SessionType;
            Isid = isid;
            Tsih = tsih;
            Parameters = parameters;
            expStatSN = statSN + 1;
            cmdSN = expCmdSN;
            this.expCmdSN = expCmdSN;
            this.maxCmdSN = maxCmdSN;
            slots = new CommandSlots(queueDepth);
            nextTag = firstTag;
            abortOnCancel = state => _ = AbortAsync((PendingTask)state!);
            drainSendQueue = _ => DrainSendQueue();
            drainNow = DrainSendQueue;
            replaceReceiveThread = StartReceiveThread;
        }

        public TargetAddress Portal { get; }
        public string? TargetName { get; }
        public SessionType SessionType { get; }
        public ulong Isid { get; }
        public ushort Tsih { get; }
        public SessionParameters Parameters { get; }
        public long BytesRead => Interlocked.Read(ref bytesRead);
        public long BytesWritten => Interlocked.Read(ref bytesWritten);
        /// <summary>SCSI commands sent and not yet answered (task management and pings not counted).</summary>
        public int CommandsInFlight
        {
            get { lock (pending) return pending.Values.Count(t => t.HoldsQueueSlot); }
        }
        public TimeSpan? LastNopRoundTrip { get; private set; }

        /// <summary>Why the session ended, once it has (null while it runs).</summary>
        public Exception? Failure => Volatile.Read(ref failure);
        public bool IsConnected => Failure is null && !closing.IsCancellationRequested;

        /// <summary>The target's Asynchronous Messages (logout requested, drops, SCSI events).</summary>
        public event EventHandler<IscsiAsyncEventArgs>? AsyncEvent;

        /// <summary>Raised once when the connection fails (not after a clean logout).</summary>
        public event EventHandler<Exception>? ConnectionLost;

        /// <summary>Registers a SCSI command that holds a queue slot under a fresh task tag, so the receive loop can find it.</summary>
        PendingTask RegisterCommand(in ScsiCommandRequest request, IScsiCompletion completion, bool reusable)
        {
            lock (pending)
            {
                ThrowIfClosed();
                var task = reusable && idleTasks.Count > 0 ? idleTasks.Pop() : new PendingTask();
                task.BeginCommand(FreshTag(), request, completion, reusable);
                pending.Add(task.Tag, task);
                return task;
            }
        }

        /// <summary>Registers an exchange under a fresh task tag (or <paramref name="tag"/>, for the rounds of one text exchange).</summary>
        PendingTask RegisterExchange(ExchangeCompletion exchange, uint? tag)
        {
            lock (pending)
            {
                ThrowIfClosed();
                var task = new PendingTask();
                task.BeginExchange(tag ?? FreshTag(), exchange);
                pending.Add(task.Tag, task);
                return task;
            }
        }

        /// <summary>
        /// Checked under the lock FailAll takes after the failure is set: nothing registers after
        /// the last look at what is pending. Called holding that lock.
        /// </summary>
        void ThrowIfClosed()
        {
            ThrowIfFailed();
            if (closing.IsCancellationRequested) throw new ObjectDisposedException(nameof(IscsiProtocolSession), "the session is closed");
        }

        /// <summary>The next task tag that is neither reserved nor in use. Called holding the lock on <c>pending</c>.</summary>
        uint FreshTag()
        {
            uint tag;
            do tag = unchecked(++nextTag);
            while (tag == Bhs.ReservedTag || pending.ContainsKey(tag));
            return tag;
        }

        bool TryFind(uint tag, out PendingTask task)
        {
            lock (pending) return pending.TryGetValue(tag, out task!);
        }

        /// <summary>
        /// Ends a SCSI command once (whoever comes first: the target's answer, an abort, the
        /// connection's loss), frees its queue slot and tells its completion. Only a command
        /// answered by the target goes back for reuse: then nothing else holds it.
        /// </summary>
        void Finish(PendingTask task, in ScsiCommandResult result, Exception? error)
        {
            if (!task.TryClaim()) return;
            Forget(task);
            if (task.HoldsQueueSlot) ReleaseSlot();
            task.Cancellation.Dispose();
            var completion = task.Completion!;
            if (error is null && task.Reusable)
            {
                task.End();
                lock (pending) idleTasks.Push(task);
            }
            // The receive loop gathers what its PDUs end and tells them itself before its next
            // read that may block (see ReceiveLoop); anything else goes to the dispatcher.
            if (dispatchingFor == this) received.Add(new CompletionDispatcher.Work(completion, result, error));
            else CompletionDispatcher.Post(completion, result, error);
        }

        /// <summary>Commands the receive loop has ended and not yet told (the current receive thread's alone).</summary>
        List<CompletionDispatcher.Work> received = new();

        /// <summary>Hands what the receive loop gathered to the dispatcher (before a read in the middle of a PDU, and when the loop ends).</summary>
        void TellReceived() => CompletionDispatcher.Post(received);

        /// <summary>Ends an exchange with the target's reply; its awaiter resumes off this thread.</summary>
        void Finish(PendingTask task, in ExchangeReply reply)
        {
            if (!task.TryClaim()) return;
            Forget(task);
            task.Exchange!.TrySetResult(reply);
        }

        /// <summary>Ends a command or an exchange with an error, once.</summary>
        void Fail(PendingTask task, Exception error)
        {
            if (task.Exchange is null)
            {
                Finish(task, default, error);
                return;
            }
            if (!task.TryClaim()) return;
            Forget(task);
            task.Exchange.TrySetException(error);
        }

        void Forget(PendingTask task)
        {
            lock (pending)
            {
                if (pending.TryGetValue(task.Tag, out var registered) && registered == task) pending.Remove(task.Tag);
            }
        }

        internal uint ExpStatSN => Volatile.Read(ref expStatSN);

        void StartReceiving()
        {
            connection.BeforeReceive = TellReceived;
            StartReceiveThread();
        }

        /// <summary>Starts a receive thread: the first, or one that replaces a thread a caller's continuation blocked (unless the session is closing).</summary>
        void StartReceiveThread()
        {
            if (closing.IsCancellationRequested) return;
            new Thread(ReceiveLoop) { IsBackground = true, Name = $"iSCSI receive {TargetName}" }.Start();
        }

        // ---- sequence numbers and the command window ----

        /// <summary>
        /// Takes the target's serial numbers from a PDU, once, before it is handled, as libiscsi's
        /// iscsi_process_pdu_serials does: every PDU a target sends in full feature phase has
        /// StatSN, ExpCmdSN and MaxCmdSN at bytes 24, 28 and 32. The window moves with any of
        /// them; StatSN only with those that consume one: not an R2T nor a NOP-In that answers
        /// nothing (their StatSN is the next one, not yet used), nor Data-In without status
        /// (its field is reserved): RFC 7143 sections 11.8.3, 11.19.3 and 11.7.4.
        /// </summary>
        void NoteSerials(IscsiOpcode opcode, byte[] bhs)
        {
            var consumesStatSN = opcode switch
            {
                IscsiOpcode.DataIn => (bhs[1] & 0x01) != 0,   // the S bit
                IscsiOpcode.NopIn => Bhs.InitiatorTaskTag(bhs) != Bhs.ReservedTag,
                IscsiOpcode.ReadyToTransfer => false,
                _ => true,
            };
            var statSN = Bhs.U32(bhs, 24);
            var expCmd = Bhs.U32(bhs, 28);
            var maxCmd = Bhs.U32(bhs, 32);
            TaskCompletionSource<bool>? moved = null;
            lock (windowLock)
            {
                if (consumesStatSN && SerialNumber.GreaterThan(statSN + 1, expStatSN)) expStatSN = statSN + 1;
                // RFC 7143 section 4.2.2.1: ignore a window that MaxCmdSN+1-ExpCmdSN puts out of range.
                if ((int)(maxCmd + 1 - expCmd) < 0) return;
                var changed = false;
                if (SerialNumber.GreaterThan(expCmd, expCmdSN)) { expCmdSN = expCmd; changed = true; }
                if (SerialNumber.GreaterThan(maxCmd, maxCmdSN)) { maxCmdSN = maxCmd; changed = true; }
                if (changed)
                {
                    moved = windowMoved;
                    windowMoved = null;
                }
            }
            moved?.TrySetResult(true);
            ResumeSending();
        }

        bool TryTakeCmdSN(out uint sn)
        {
            lock (windowLock)
            {
                sn = cmdSN;
                if (!SerialNumber.LessOrEqual(cmdSN, maxCmdSN)) return false;
                cmdSN++;
                return true;
            }
        }

        /// <summary>Starts a sender when the window opened on commands that were waiting for it.</summary>
        void ResumeSending()
        {
            lock (sendQueue)
            {
                if (sending || sendQueue.Count == 0) return;
                sending = true;
            }
            StartSender();
        }

        /// <summary>
        /// Drains the send queue (`sending` was just set): on this session's receive thread in
        /// the middle of a PDU, after it, with the completions the loop tells next (the receive
        /// thread sends nothing while it handles a PDU); from a completion told elsewhere, with
        /// the commands the next completions queue; otherwise now, on this thread.
        /// </summary>
        void StartSender()
        {
            if (dispatchingFor == this)
            {
                drainAfterDispatch = true;
                return;
            }
            if (CompletionDispatcher.TryDefer(drainNow)) return;
            DrainSendQueue();
        }

        /// <summary>
        /// Writes an exchange's PDU holding the turn on the wire, its CmdSN and ExpStatSN given
        /// now: the current CmdSN for an immediate PDU (not advanced), the next one for a
        /// numbered PDU once the target's window has room.
        /// </summary>
        async Task SendStampedAsync(byte[] bhs, ReadOnlyMemory<byte> data, CancellationToken cancel)
        {
            var numbered = !Bhs.IsImmediate(bhs);
            while (true)
            {
                Task? wait = null;
                await wire.WaitAsync(cancel).ConfigureAwait(false);
                try
                {
                    uint sn;
                    lock (windowLock)
                    {
                        sn = cmdSN;
                        if (numbered)
                        {
                            if (SerialNumber.LessOrEqual(cmdSN, maxCmdSN)) cmdSN++;
                            else wait = (windowMoved ??= NewSignal()).Task;
                        }
                    }
                    if (wait is null)
                    {
                        Bhs.Put(bhs, 24, sn);
                        Bhs.Put(bhs, 28, ExpStatSN);
                        connection.Send(bhs, data);
                        return;
                    }
                }
                finally
                {
                    wire.Release();
                }
                ThrowIfFailed();
                await WaitAsync(wait, cancel).ConfigureAwait(false);
            }
        }

        static TaskCompletionSource<bool> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task WaitAsync(Task task, CancellationToken cancel)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, closing.Token);
            // A signal may complete because the session failed: the failure wins over it.
            var completed = await task.CompletesBeforeAsync(linked.Token).ConfigureAwait(false);
            cancel.ThrowIfCancellationRequested();
            ThrowIfFailed();
            if (!completed) throw new ObjectDisposedException(nameof(IscsiProtocolSession), "the session is closed");
        }

        void ThrowIfFailed()
        {
            var f = Failure;
            if (f is not null) throw new IscsiSessionLostException($"the session to {TargetName ?? Portal.ToString()} is lost: {f.Message}", f);
        }

        // ---- SCSI commands ----

        /// <summary>
        /// Starts a SCSI command. Read data lands in <see cref="ScsiCommandRequest.ReadBuffer"/>;
        /// write data goes as immediate data, unsolicited Data-Out and R2T-solicited Data-Out
        /// as negotiated. Cancelling sends ABORT TASK for it.
        /// </summary>
        public void Start(ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel = default)
        {
            if (completion is null) throw new ArgumentNullException(nameof(completion));
            if (SessionType != SessionType.Normal)
            {
                completion.Fail(new InvalidOperationException("a discovery session carries no SCSI commands"));
                return;
            }
            if (slots.TryTakeOrWait(request, completion, cancel) && !Enqueue(request, completion, cancel)) ReleaseSlot();
        }

        /// <summary>A command's slot goes back: to the first command waiting for one, which is queued for sending now, or free.</summary>
        void ReleaseSlot()
        {
            // A waiter that cannot be registered (the session closed) was failed; its slot goes on down the line.
            while (slots.Release() is { } next)
            {
                if (Enqueue(next.Request, next.Completion, next.Cancel)) return;
            }
        }

        /// <summary>
        /// Registers a command that holds a queue slot and puts it in the send queue. The first
        /// thread to find nobody sending becomes the sender and drains the queue; the others
        /// return at once, so submitting never waits for another thread's write. False when it
        /// could not be registered (the session is closed): its completion was failed, and the
        /// caller still holds the slot.
        /// </summary>
        bool Enqueue(in ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel)
        {
            PendingTask task;
            try
            {
                // A command whose caller may cancel is never reused: the abort may come late.
                task = RegisterCommand(request, completion, reusable: !cancel.CanBeCanceled);
            }
            catch (Exception e)
            {
                completion.Fail(e);
                return false;
            }
            if (cancel.CanBeCanceled)
            {
                task.CancelToken = cancel;
                task.Cancellation = cancel.Register(abortOnCancel, task);
            }
            lock (sendQueue)
            {
                sendQueue.Enqueue(task);
                if (sending) return true;
                sending = true;
            }
            StartSender();
            return true;
        }

        /// <summary>
        /// Sends queued commands in CmdSN order while the target's window has room: data-less
        /// ones batched into one write, a write's immediate and unsolicited data right after its
        /// command. Stops when the queue is empty or the window is full (an answer that opens it
        /// starts a sender again).
        /// </summary>
        void DrainSendQueue()
        {
            while (true)
            {
                var count = 0;
                PendingTask? withData = null;
                wire.Wait();
                try
                {
                    lock (sendQueue)
                    {
                        while (count < MaxBatch && sendQueue.Count > 0)
                        {
                            var next = sendQueue.Peek();
                            if (next.IsFinished)   // cancelled or failed while it waited
                            {
                                sendQueue.Dequeue();
                                continue;
                            }
                            if (!TryTakeCmdSN(out var sn)) break;
                            sendQueue.Dequeue();
                            next.CmdSN = sn;
                            batch[count++] = next;
                            if (next.Request.WriteData.Length > 0)
                            {
                                withData = next;
                                break;
                            }
                        }
                        if (count == 0)
                        {
                            sending = false;
                            return;
                        }
                    }
                    SendBatch(count, withData);
                }
                catch (Exception e)
                {
                    for (var i = 0; i < count; i++) Fail(batch[i], new IscsiSessionLostException($"sending to {TargetName ?? Portal.ToString()} failed: {e.Message}", e));
                }
                finally
                {
                    wire.Release();
                }
                Array.Clear(batch, 0, count);
            }
        }

        /// <summary>
        /// Sends a batch in one write: the commands' headers, and for a write at the end its
        /// immediate data; its unsolicited Data-Out follow in writes of their own.
        /// </summary>
        void SendBatch(int count, PendingTask? withData)
        {
            var expStatSN = ExpStatSN;
            for (var i = 0; i < count; i++)
            {
                var task = batch[i];
                var request = task.Request;
                var (immediateLength, unsolicitedEnd) = FirstBurst(request.WriteData.Length);
                new ScsiCommandHeader
                {
                    Final = unsolicitedEnd == immediateLength,
                    Read = request.ReadBuffer.Length > 0,
                    Write = request.WriteData.Length > 0,
                    Attributes = 1,   // SIMPLE
                    Lun = request.Lun,
                    InitiatorTaskTag = task.Tag,
                    ExpectedDataTransferLength = (uint)Math.Max(request.ReadBuffer.Length, request.WriteData.Length),
                    CmdSN = task.CmdSN,
                    ExpStatSN = expStatSN,
                    DataSegmentLength = immediateLength,
                }.WriteTo(batchHeaders.AsSpan(i * Bhs.Length, Bhs.Length), request.Cdb.Span);
            }
            if (withData is null)
            {
                connection.SendHeaders(batchHeaders, count);
                return;
            }
            var write = withData.Request.WriteData;
            var (immediate, unsolicited) = FirstBurst(write.Length);
            batchData[count - 1] = write.Slice(0, immediate);
            try { connection.Send(batchHeaders, count, batchData); }
            finally { batchData[count - 1] = default; }
            Interlocked.Add(ref bytesWritten, immediate);
            if (unsolicited > immediate) SendDataOut(withData.Tag, withData.Request, Bhs.ReservedTag, immediate, unsolicited - immediate);
        }

        /// <summary>How much of a write goes as immediate data, and where its unsolicited data (immediate plus Data-Out) ends.</summary>
        (int Immediate, int UnsolicitedEnd) FirstBurst(int writeLength)
        {
            if (writeLength == 0) return (0, 0);
            var immediate = Parameters.ImmediateData
                ? Math.Min(writeLength, Math.Min(Parameters.FirstBurstLength, Parameters.TargetMaxRecvDataSegmentLength))
                : 0;
            return (immediate, Parameters.InitialR2T ? immediate : Math.Min(writeLength, Parameters.FirstBurstLength));
        }

        /// <summary>Data-Out PDUs sent in one write at most (a burst of 8 KiB segments up to 512 KiB).</summary>
        const int DataOutPerWrite = 64;

        /// <summary>
        /// Sends Data-Out PDUs for [offset, offset+length) of a write, each within the target's
        /// MaxRecvDataSegmentLength, whole PDUs gathered into as few writes as the burst needs.
        /// </summary>
        void SendDataOut(uint tag, ScsiCommandRequest request, uint transferTag, int offset, int length)
        {
            var headers = System.Buffers.ArrayPool<byte>.Shared.Rent(DataOutPerWrite * Bhs.Length);
            var segments = System.Buffers.ArrayPool<ReadOnlyMemory<byte>>.Shared.Rent(DataOutPerWrite);
            try
            {
                var dataSN = 0u;
                var end = offset + length;
                while (offset < end)
                {
                    var count = 0;
                    var bytes = 0;
                    while (count < DataOutPerWrite && offset < end)
                    {
                        var chunk = Math.Min(end - offset, Parameters.TargetMaxRecvDataSegmentLength);
                        new DataOutHeader
                        {
                            Final = offset + chunk == end,
                            Lun = request.Lun,
                            InitiatorTaskTag = tag,
                            TargetTransferTag = transferTag,
                            ExpStatSN = ExpStatSN,
                            DataSN = dataSN++,
                            BufferOffset = (uint)offset,
                            DataSegmentLength = chunk,
                        }.Write(headers.AsSpan(count * Bhs.Length, Bhs.Length));
                        segments[count++] = request.WriteData.Slice(offset, chunk);
                        bytes += chunk;
                        offset += chunk;
                    }
                    connection.Send(headers, count, segments);
                    Interlocked.Add(ref bytesWritten, bytes);
                }
            }
            finally
            {
                Array.Clear(segments, 0, segments.Length);
                System.Buffers.ArrayPool<ReadOnlyMemory<byte>>.Shared.Return(segments);
                System.Buffers.ArrayPool<byte>.Shared.Return(headers);
            }
        }

        /// <summary>
        /// Gives up on a command at once and asks the target to abort it. Its late Data-In
        /// is dropped, never written into a buffer the caller has taken back.
        /// </summary>
        async Task AbortAsync(PendingTask task)
        {
            if (task.IsFinished) return;
            abandoned[task.Tag] = 0;
            Fail(task, new OperationCanceledException("the command was cancelled and aborted", task.CancelToken));
            try
            {
                await TaskManagementAsync(TaskManagementFunction.AbortTask, task.Request.Lun, task.Tag, task.CmdSN, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IscsiSessionLostException or IscsiProtocolException or ObjectDisposedException or TimeoutException or OperationCanceledException)
            {
                // The connection is failing anyway, or the target never answered: the task is gone on our side.
            }
        }

        /// <summary>Drops the connection at once, without logout; commands in flight fail.</summary>
        public void Dispose()
        {
            if (closing.IsCancellationRequested) return;
            closing.Cancel();
            connection.Dispose();
            FailAll(new ObjectDisposedException(nameof(IscsiProtocolSession), "the session was closed"));
        }

        void FailAll(Exception reason)
        {
            PendingTask[] all;
            lock (pending) all = pending.Values.ToArray();
            var error = reason is ObjectDisposedException ? reason : new IscsiSessionLostException(reason.Message, reason);
            foreach (var task in all) Fail(task, error);
        }
    }
}
