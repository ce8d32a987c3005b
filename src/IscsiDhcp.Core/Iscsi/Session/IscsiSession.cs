using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Transport;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>
    /// A logged-in iSCSI session on one connection (error recovery level 0): pipelined
    /// SCSI commands bounded by the target's CmdSN window and a queue depth, Data-In
    /// landed in the caller's buffer, Data-Out for immediate, unsolicited and R2T-solicited
    /// data, NOP answers and pings, task management, text exchanges and logout.
    /// </summary>
    public sealed partial class IscsiSession : IScsiTransport, IDisposable
    {
        readonly IscsiConnection connection;
        readonly ConcurrentDictionary<uint, PendingTask> pending = new();
        readonly SemaphoreSlim queueSlots;
        readonly SemaphoreSlim commandOrder = new(1, 1);
        readonly byte[] commandHeader = new byte[Bhs.Length];
        readonly object windowLock = new();
        readonly CancellationTokenSource closing = new();
        readonly ConcurrentDictionary<uint, byte> abandoned = new();
        TaskCompletionSource<bool> windowMoved = NewSignal();
        Thread? receiveLoop;
        int nextTag;
        uint cmdSN;
        uint expStatSN;
        uint expCmdSN;
        uint maxCmdSN;
        long bytesRead;
        long bytesWritten;
        Exception? failure;

        IscsiSession(IscsiConnection connection, TargetAddress portal, LoginSettings settings, ulong isid, ushort tsih,
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
            queueSlots = new SemaphoreSlim(queueDepth, queueDepth);
            nextTag = (int)firstTag;
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
        public int CommandsInFlight => pending.Values.Count(t => t.Request is not null);
        public TimeSpan? LastNopRoundTrip { get; private set; }

        /// <summary>Why the session ended, once it has (null while it runs).</summary>
        public Exception? Failure => Volatile.Read(ref failure);
        public bool IsConnected => Failure is null && !closing.IsCancellationRequested;

        /// <summary>The target's Asynchronous Messages (logout requested, drops, SCSI events).</summary>
        public event EventHandler<IscsiAsyncEventArgs>? AsyncEvent;

        /// <summary>Raised once when the connection fails (not after a clean logout).</summary>
        public event EventHandler<Exception>? ConnectionLost;

        uint NewTag()
        {
            uint tag;
            do tag = unchecked((uint)Interlocked.Increment(ref nextTag));
            while (tag == Bhs.ReservedTag || pending.ContainsKey(tag));
            return tag;
        }

        internal uint ExpStatSN => Volatile.Read(ref expStatSN);

        void Start()
        {
            receiveLoop = new Thread(ReceiveLoop) { IsBackground = true, Name = $"iSCSI receive {TargetName}" };
            receiveLoop.Start();
        }

        // ---- sequence numbers and the command window ----

        void NoteStatSN(uint statSN)
        {
            lock (windowLock)
            {
                if (SerialNumber.GreaterThan(statSN + 1, expStatSN)) expStatSN = statSN + 1;
            }
        }

        void NoteWindow(uint expCmd, uint maxCmd)
        {
            TaskCompletionSource<bool>? moved = null;
            lock (windowLock)
            {
                // RFC 7143 section 4.2.2.1: ignore a window that MaxCmdSN+1-ExpCmdSN puts out of range.
                if ((int)(maxCmd + 1 - expCmd) < 0) return;
                var changed = false;
                if (SerialNumber.GreaterThan(expCmd, expCmdSN)) { expCmdSN = expCmd; changed = true; }
                if (SerialNumber.GreaterThan(maxCmd, maxCmdSN)) { maxCmdSN = maxCmd; changed = true; }
                if (changed)
                {
                    moved = windowMoved;
                    windowMoved = NewSignal();
                }
            }
            moved?.TrySetResult(true);
        }

        /// <summary>Takes the next CmdSN for a non-immediate PDU once the target's window has room (a ValueTask: usually there is room, and nothing is allocated).</summary>
        async ValueTask<uint> TakeCmdSNAsync(CancellationToken cancel)
        {
            while (true)
            {
                Task wait;
                lock (windowLock)
                {
                    if (SerialNumber.LessOrEqual(cmdSN, maxCmdSN)) return cmdSN++;
                    wait = windowMoved.Task;
                }
                ThrowIfFailed();
                await WaitAsync(wait, cancel).ConfigureAwait(false);
            }
        }

        uint CurrentCmdSN
        {
            get { lock (windowLock) return cmdSN; }
        }

        static TaskCompletionSource<bool> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task WaitAsync(Task task, CancellationToken cancel)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, closing.Token);
            var cancelled = Task.Delay(Timeout.Infinite, linked.Token);
            await Task.WhenAny(task, cancelled).ConfigureAwait(false);
            cancel.ThrowIfCancellationRequested();
            ThrowIfFailed();
            if (!task.IsCompleted) throw new ObjectDisposedException(nameof(IscsiSession), "the session is closed");
        }

        void ThrowIfFailed()
        {
            var f = Failure;
            if (f is not null) throw new IscsiSessionLostException($"the session to {TargetName ?? Portal.ToString()} is lost: {f.Message}", f);
        }

        // ---- SCSI commands ----

        /// <summary>
        /// Runs a SCSI command. Read data lands in <see cref="ScsiCommandRequest.ReadBuffer"/>;
        /// write data goes as immediate data, unsolicited Data-Out and R2T-solicited Data-Out
        /// as negotiated. Cancelling sends ABORT TASK for it.
        /// </summary>
        public async Task<ScsiCommandResult> ExecuteAsync(ScsiCommandRequest request, CancellationToken cancel = default)
        {
            if (SessionType != SessionType.Normal) throw new InvalidOperationException("a discovery session carries no SCSI commands");
            await queueSlots.WaitAsync(cancel).ConfigureAwait(false);
            PendingTask? task = null;
            try
            {
                ThrowIfFailed();
                var write = request.WriteData;
                var immediateLength = 0;
                if (write.Length > 0 && Parameters.ImmediateData)
                    immediateLength = Math.Min(write.Length, Math.Min(Parameters.FirstBurstLength, Parameters.TargetMaxRecvDataSegmentLength));
                var unsolicitedEnd = write.Length > 0 && !Parameters.InitialR2T ? Math.Min(write.Length, Parameters.FirstBurstLength) : immediateLength;

                await commandOrder.WaitAsync(cancel).ConfigureAwait(false);
                try
                {
                    var sn = await TakeCmdSNAsync(cancel).ConfigureAwait(false);
                    task = new PendingTask(NewTag(), request, sn);
                    pending[task.Tag] = task;
                    var bhs = commandHeader;   // ours while commandOrder is held
                    new ScsiCommandHeader
                    {
                        Final = unsolicitedEnd == immediateLength,
                        Read = request.ReadBuffer.Length > 0,
                        Write = write.Length > 0,
                        Attributes = 1,   // SIMPLE
                        Lun = request.Lun,
                        InitiatorTaskTag = task.Tag,
                        ExpectedDataTransferLength = (uint)Math.Max(request.ReadBuffer.Length, write.Length),
                        CmdSN = sn,
                        ExpStatSN = ExpStatSN,
                        DataSegmentLength = immediateLength,
                    }.WriteTo(bhs, request.Cdb.Span);
                    await connection.SendAsync(bhs, write.Slice(0, immediateLength), cancel).ConfigureAwait(false);
                }
                finally
                {
                    commandOrder.Release();
                }
                Interlocked.Add(ref bytesWritten, immediateLength);
                if (unsolicitedEnd > immediateLength)
                    await SendDataOutAsync(task, Bhs.ReservedTag, immediateLength, unsolicitedEnd - immediateLength, cancel).ConfigureAwait(false);

                using (cancel.Register(() => _ = AbortAsync(task)))
                {
                    return await task.Task.ConfigureAwait(false);
                }
            }
            catch (Exception) when (task is not null && cancel.IsCancellationRequested)
            {
                throw new OperationCanceledException("the command was cancelled and aborted", cancel);
            }
            finally
            {
                if (task is not null) pending.TryRemove(task.Tag, out _);
                queueSlots.Release();
            }
        }

        /// <summary>Sends Data-Out PDUs for [offset, offset+length) of a write, each within the target's MaxRecvDataSegmentLength.</summary>
        async Task SendDataOutAsync(PendingTask task, uint transferTag, int offset, int length, CancellationToken cancel)
        {
            var bhs = new byte[Bhs.Length];
            var dataSN = 0u;
            var end = offset + length;
            while (offset < end)
            {
                var chunk = Math.Min(end - offset, Parameters.TargetMaxRecvDataSegmentLength);
                new DataOutHeader
                {
                    Final = offset + chunk == end,
                    Lun = task.Request.Lun,
                    InitiatorTaskTag = task.Tag,
                    TargetTransferTag = transferTag,
                    ExpStatSN = ExpStatSN,
                    DataSN = dataSN++,
                    BufferOffset = (uint)offset,
                    DataSegmentLength = chunk,
                }.Write(bhs);
                await connection.SendAsync(bhs, task.Request.WriteData.Slice(offset, chunk), cancel).ConfigureAwait(false);
                Interlocked.Add(ref bytesWritten, chunk);
                offset += chunk;
            }
        }

        /// <summary>
        /// Gives up on a command at once and asks the target to abort it. Its late Data-In
        /// is dropped, never written into a buffer the caller has taken back.
        /// </summary>
        async Task AbortAsync(PendingTask task)
        {
            if (task.Task.IsCompleted) return;
            abandoned[task.Tag] = 0;
            task.TrySetCanceled();
            try
            {
                await TaskManagementAsync(TaskManagementFunction.AbortTask, task.Request.Lun, task.Tag, task.CmdSN, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IscsiSessionLostException or IscsiProtocolException or ObjectDisposedException or TimeoutException or OperationCanceledException)
            {
                // The connection is failing anyway, or the target never answered: the task is gone on our side.
            }
        }

        /// <summary>Sends a task management request and returns the target's response code (0 = function complete).</summary>
        public async Task<byte> TaskManagementAsync(TaskManagementFunction function, ulong lun, uint referencedTag = Bhs.ReservedTag,
            uint referencedCmdSN = 0, CancellationToken cancel = default)
        {
            var reply = new PendingTask(NewTag(), null, 0);
            var bhs = new byte[Bhs.Length];
            new TaskManagementRequestHeader
            {
                Immediate = true,
                Function = function,
                Lun = lun,
                InitiatorTaskTag = reply.Tag,
                ReferencedTaskTag = referencedTag,
                CmdSN = CurrentCmdSN,
                ExpStatSN = ExpStatSN,
                RefCmdSN = referencedCmdSN,
            }.Write(bhs);
            var result = await ExchangeAsync(reply, bhs, default, TimeSpan.FromSeconds(30), "task management", cancel).ConfigureAwait(false);
            return result.Status;
        }

        /// <summary>
        /// One request answered by one response under the same task tag (task management, NOP,
        /// text, logout): registered before it is sent, forgotten when answered or timed out.
        /// </summary>
        async Task<ScsiCommandResult> ExchangeAsync(PendingTask reply, byte[] bhs, ReadOnlyMemory<byte> data, TimeSpan timeout, string what,
            CancellationToken cancel)
        {
            pending[reply.Tag] = reply;
            try
            {
                await connection.SendAsync(bhs, data, cancel).ConfigureAwait(false);
                return await WithTimeout(reply.Task, timeout, what, cancel).ConfigureAwait(false);
            }
            finally
            {
                pending.TryRemove(reply.Tag, out _);
            }
        }

        async Task<T> WithTimeout<T>(Task<T> task, TimeSpan timeout, string what, CancellationToken cancel)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, closing.Token);
            linked.CancelAfter(timeout);
            var gate = Task.Delay(Timeout.Infinite, linked.Token);
            await Task.WhenAny(task, gate).ConfigureAwait(false);
            if (!task.IsCompleted)
            {
                cancel.ThrowIfCancellationRequested();
                ThrowIfFailed();
                throw new TimeoutException($"no {what} response from {TargetName ?? Portal.ToString()} within {timeout.TotalSeconds:0.#} s");
            }
            return await task.ConfigureAwait(false);
        }

        // ---- NOP, text, logout ----

        /// <summary>Pings the target with a NOP-Out and returns the round trip.</summary>
        public async Task<TimeSpan> PingAsync(TimeSpan timeout, CancellationToken cancel = default)
        {
            var reply = new PendingTask(NewTag(), null, 0);
            var bhs = new byte[Bhs.Length];
            new NopOutHeader
            {
                Immediate = true,
                InitiatorTaskTag = reply.Tag,
                TargetTransferTag = Bhs.ReservedTag,
                CmdSN = CurrentCmdSN,
                ExpStatSN = ExpStatSN,
            }.Write(bhs);
            var clock = Stopwatch.StartNew();
            await ExchangeAsync(reply, bhs, default, timeout, "NOP-In", cancel).ConfigureAwait(false);
            var roundTrip = clock.Elapsed;
            LastNopRoundTrip = roundTrip;
            return roundTrip;
        }

        /// <summary>A text exchange (e.g. SendTargets), following continuations until the target's final response.</summary>
        public async Task<List<TextKeyValue>> TextAsync(IReadOnlyList<TextKeyValue> keys, CancellationToken cancel = default)
        {
            var tag = NewTag();
            var collector = new TextSegmentCollector(MaxTextResponse);
            var transferTag = Bhs.ReservedTag;
            var data = TextCodec.Encode(keys);
            for (var round = 0; ; round++)
            {
                if (round > 1024) throw new IscsiProtocolException("a text exchange did not end in 1024 responses");
                var reply = new PendingTask(tag, null, 0) { Text = collector };
                var bhs = new byte[Bhs.Length];
                new TextRequestHeader
                {
                    Final = true,
                    InitiatorTaskTag = tag,
                    TargetTransferTag = transferTag,
                    CmdSN = await TakeCmdSNAsync(cancel).ConfigureAwait(false),
                    ExpStatSN = ExpStatSN,
                    DataSegmentLength = data.Length,
                }.Write(bhs);
                await ExchangeAsync(reply, bhs, data, TimeSpan.FromSeconds(30), "text", cancel).ConfigureAwait(false);
                if (reply.TextFinal) return collector.Take();
                transferTag = reply.TextTransferTag;
                data = Array.Empty<byte>();
            }
        }

        /// <summary>The most text a target may send in one exchange (SendTargets of a large target list).</summary>
        public const int MaxTextResponse = 1024 * 1024;

        /// <summary>
        /// Logs the session out (close session) and closes the connection. Waits up to
        /// <paramref name="timeout"/> for the target's answer; closes either way.
        /// </summary>
        public async Task LogoutAsync(TimeSpan timeout, CancellationToken cancel = default)
        {
            if (Failure is not null || closing.IsCancellationRequested) { Dispose(); return; }
            var reply = new PendingTask(NewTag(), null, 0);
            var bhs = new byte[Bhs.Length];
            new LogoutRequestHeader
            {
                Immediate = true,
                Reason = LogoutReason.CloseSession,
                InitiatorTaskTag = reply.Tag,
                CmdSN = CurrentCmdSN,
                ExpStatSN = ExpStatSN,
            }.Write(bhs);
            logoutTag = reply.Tag;
            loggingOut = true;
            try
            {
                var result = await ExchangeAsync(reply, bhs, default, timeout, "logout", cancel).ConfigureAwait(false);
                if (result.Status != 0) throw new IscsiProtocolException($"logout refused with response {result.Status}");
            }
            finally
            {
                Dispose();
            }
        }

        volatile bool loggingOut;
        uint logoutTag;

        /// <summary>Drops the connection at once, without logout; commands in flight fail.</summary>
        public void Dispose()
        {
            if (closing.IsCancellationRequested) return;
            closing.Cancel();
            connection.Dispose();
            FailAll(new ObjectDisposedException(nameof(IscsiSession), "the session was closed"));
        }

        void FailAll(Exception reason)
        {
            foreach (var task in pending.Values)
                task.TrySetException(reason is ObjectDisposedException ? reason : new IscsiSessionLostException(reason.Message, reason));
        }

        /// <summary>A task awaiting the target's answer; it is its own completion source (one object per command, not two).</summary>
        sealed class PendingTask : TaskCompletionSource<ScsiCommandResult>
        {
            public PendingTask(uint tag, ScsiCommandRequest? request, uint cmdSN)
                : base(TaskCreationOptions.RunContinuationsAsynchronously)
            {
                Tag = tag;
                Request = request!;
                CmdSN = cmdSN;
            }

            public uint Tag { get; }
            public ScsiCommandRequest Request { get; }
            public uint CmdSN { get; }
            public int Received;
            public uint NextDataSN;
            public TextSegmentCollector? Text;
            public bool TextFinal;
            public uint TextTransferTag;
        }
    }
}
