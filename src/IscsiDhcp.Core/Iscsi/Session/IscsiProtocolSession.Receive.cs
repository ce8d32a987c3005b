using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Transport;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Iscsi.Session
{
    public sealed partial class IscsiProtocolSession
    {
        /// <summary>The most ping or async data we take from a target in one PDU, within the negotiated limit anyway.</summary>
        const int MaxSmallSegment = 64 * 1024;
        const int MaxNopRepliesInFlight = 16;
        int nopRepliesInFlight;

        /// <summary>
        /// The receive loop, on a thread of its own with blocking reads: no allocation or
        /// scheduling per PDU, and data lands straight in the caller's buffer. Closing the
        /// connection ends a blocked read. Between PDUs, when the next one is not buffered whole
        /// (reading on would ask the socket), the commands the PDUs so far ended are told here,
        /// on this thread, and the commands their callers queue meanwhile (and those the PDUs let
        /// go: a wider window, a slot handed on) go out in one write,
        /// as libiscsi's one thread does: no other thread is woken per batch of answers. A caller
        /// whose continuation blocks loses this thread to it: the dispatcher's watchdog takes the
        /// role from it and <see cref="StartReceiveThread"/> starts another receive thread.
        /// </summary>
        void ReceiveLoop()
        {
            var bhs = new byte[Bhs.Length];
            var token = closing.Token;
            var runner = CompletionDispatcher.EnterReceiveThread(replaceReceiveThread);
            var deposed = false;
            try
            {
                while (!token.IsCancellationRequested)
                {
                    connection.ReadHeader(bhs);
                    dispatchingFor = this;
                    try { Dispatch(bhs); }
                    finally { dispatchingFor = null; }
                    if ((received.Count > 0 || drainAfterDispatch) && !connection.NextPduBuffered)
                    {
                        var send = drainAfterDispatch ? drainNow : null;
                        drainAfterDispatch = false;
                        if (!CompletionDispatcher.TellHere(runner, ref received, send))
                        {
                            deposed = true;   // another receive thread owns the connection and `received` now
                            return;
                        }
                    }
                }
            }
            catch (Exception e) when (token.IsCancellationRequested)
            {
                GC.KeepAlive(e);   // we closed it ourselves
            }
            catch (IscsiConnectionClosedException) when (loggingOut)
            {
                // The target closed the connection on our logout, with or without its
                // Logout Response: either way it holds no session of ours now.
                if (TryFind(logoutTag, out var logout) && logout.Awaits(IscsiOpcode.LogoutResponse)) Finish(logout, new ExchangeReply(logoutTag, 0));
                closing.Cancel();
                connection.Dispose();
                FailAll(new ObjectDisposedException(nameof(IscsiProtocolSession), "the session was logged out"));
            }
            catch (Exception e)
            {
                var lost = e;
                Volatile.Write(ref failure, e);
                closing.Cancel();
                connection.Dispose();
                TellReceived();   // commands the target answered before the loss are told as answered
                FailAll(e);
                ConnectionLost?.Invoke(this, lost);
            }
            finally
            {
                if (!deposed) TellReceived();
                if (drainAfterDispatch)
                {
                    drainAfterDispatch = false;
                    ThreadPool.QueueUserWorkItem(drainSendQueue);   // commands queued meanwhile are failed there, not stranded
                }
                CompletionDispatcher.LeaveReceiveThread(runner);
            }
        }

        /// <summary>The session whose PDU this thread is handling: commands it ends are gathered for <see cref="CompletionDispatcher.TellHere"/>.</summary>
        [ThreadStatic] static IscsiProtocolSession? dispatchingFor;

        /// <summary>
        /// Handles one PDU: its serial numbers first, whatever it is, then the PDU itself. A reply
        /// ends a task only when it is what that task awaits (<see cref="Answered"/>).
        /// </summary>
        void Dispatch(byte[] bhs)
        {
            var opcode = Bhs.Opcode(bhs);
            if (!FullFeaturePhaseReply(opcode))
                throw new IscsiProtocolException($"the target sent opcode 0x{(byte)opcode:X2}, which an initiator does not accept in full feature phase");
            NoteSerials(opcode, bhs);
            switch (opcode)
            {
                case IscsiOpcode.DataIn:
                    OnDataIn(DataInHeader.Read(bhs));
                    break;
                case IscsiOpcode.ScsiResponse:
                    OnScsiResponse(ScsiResponseHeader.Read(bhs));
                    break;
                case IscsiOpcode.ReadyToTransfer:
                    OnReadyToTransfer(ReadyToTransferHeader.Read(bhs));
                    break;
                case IscsiOpcode.NopIn:
                    OnNopIn(NopInHeader.Read(bhs));
                    break;
                case IscsiOpcode.TextResponse:
                    OnTextResponse(TextResponseHeader.Read(bhs));
                    break;
                case IscsiOpcode.TaskManagementResponse:
                {
                    var h = TaskManagementResponseHeader.Read(bhs);
                    connection.SkipData(Bhs.DataSegmentLength(bhs));
                    if (Answered(h.InitiatorTaskTag, opcode) is { } task) Finish(task, new ExchangeReply(h.InitiatorTaskTag, h.Response));
                    break;
                }
                case IscsiOpcode.LogoutResponse:
                {
                    var h = LogoutResponseHeader.Read(bhs);
                    connection.SkipData(Bhs.DataSegmentLength(bhs));
                    if (Answered(h.InitiatorTaskTag, opcode) is { } task) Finish(task, new ExchangeReply(h.InitiatorTaskTag, h.Response));
                    break;
                }
                case IscsiOpcode.AsyncMessage:
                    OnAsyncMessage(AsyncMessageHeader.Read(bhs));
                    break;
                case IscsiOpcode.Reject:
                    OnReject(RejectHeader.Read(bhs));
                    break;
            }
        }

        static bool FullFeaturePhaseReply(IscsiOpcode opcode) =>
            opcode is IscsiOpcode.DataIn or IscsiOpcode.ScsiResponse or IscsiOpcode.ReadyToTransfer or IscsiOpcode.NopIn or IscsiOpcode.TextResponse
                or IscsiOpcode.TaskManagementResponse or IscsiOpcode.LogoutResponse or IscsiOpcode.AsyncMessage or IscsiOpcode.Reject;

        /// <summary>
        /// The task a reply of <paramref name="opcode"/> answers, or null when no task has the
        /// tag (an exchange that timed out and was forgotten: its reply may still come). A task
        /// that awaits another kind of reply makes it a protocol error, and is never ended by it.
        /// </summary>
        PendingTask? Answered(uint tag, IscsiOpcode opcode)
        {
            if (!TryFind(tag, out var task)) return null;
            if (!task.Awaits(opcode)) throw new IscsiProtocolException($"the target sent a {opcode} for task 0x{tag:X8}, which awaits {task.Awaited}");
            return task;
        }

        /// <summary>The outstanding SCSI command a Data-In, R2T or SCSI Response belongs to; anything else is a protocol error.</summary>
        PendingTask Command(uint tag, IscsiOpcode opcode) =>
            Answered(tag, opcode) ?? throw new IscsiProtocolException($"the target sent a {opcode} for task 0x{tag:X8}, which is not an outstanding command");

        void OnDataIn(DataInHeader h)
        {
            if (abandoned.ContainsKey(h.InitiatorTaskTag))
            {
                connection.SkipData(h.DataSegmentLength);
                return;
            }
            var task = Command(h.InitiatorTaskTag, IscsiOpcode.DataIn);
            var buffer = task.Request.ReadBuffer;
            if ((long)h.BufferOffset + h.DataSegmentLength > buffer.Length)
                throw new IscsiProtocolException($"Data-In at offset {h.BufferOffset} of {h.DataSegmentLength} bytes runs past the {buffer.Length}-byte read");
            if (h.DataSN != task.NextDataSN)
                throw new IscsiProtocolException($"Data-In DataSN {h.DataSN} where {task.NextDataSN} was due");
            task.NextDataSN++;
            connection.ReadData(buffer.Slice((int)h.BufferOffset, h.DataSegmentLength));
            task.Received += h.DataSegmentLength;
            Interlocked.Add(ref bytesRead, h.DataSegmentLength);
            if (h.HasStatus)
            {
                Finish(task, new ScsiCommandResult(h.Status, Array.Empty<byte>(), task.Received, h.Underflow, h.Overflow, h.ResidualCount), null);
            }
        }

        void OnScsiResponse(ScsiResponseHeader h)
        {
            var sense = Array.Empty<byte>();
            if (h.DataSegmentLength > 0)
            {
                var segment = new byte[h.DataSegmentLength];
                connection.ReadData(segment);
                // The segment is SenseLength (2 bytes) then the sense data.
                var senseLength = segment.Length >= 2 ? (segment[0] << 8) | segment[1] : 0;
                if (senseLength > segment.Length - 2) throw new IscsiProtocolException($"SenseLength {senseLength} runs past the {segment.Length}-byte segment");
                sense = segment.AsSpan(2, senseLength).ToArray();
            }
            if (abandoned.TryRemove(h.InitiatorTaskTag, out _)) return;
            var task = Command(h.InitiatorTaskTag, IscsiOpcode.ScsiResponse);
            if (h.Response != 0)
            {
                Fail(task, new IscsiProtocolException($"the target could not complete the command (iSCSI response 0x{h.Response:X2})"));
                return;
            }
            Finish(task, new ScsiCommandResult(h.Status, sense, task.Received, h.Underflow, h.Overflow, h.ResidualCount), null);
        }

        void OnReadyToTransfer(ReadyToTransferHeader h)
        {
            var task = Command(h.InitiatorTaskTag, IscsiOpcode.ReadyToTransfer);
            var request = task.Request;
            var data = request.WriteData;
            if (h.DesiredDataTransferLength == 0 || (long)h.BufferOffset + h.DesiredDataTransferLength > data.Length)
                throw new IscsiProtocolException($"R2T for {h.DesiredDataTransferLength} bytes at {h.BufferOffset} of a {data.Length}-byte write");
            if (h.DesiredDataTransferLength > Parameters.MaxBurstLength)
                throw new IscsiProtocolException($"R2T asks for {h.DesiredDataTransferLength} bytes, more than MaxBurstLength {Parameters.MaxBurstLength}");
            // Answered off the receive loop, so reading goes on while the data is sent. The
            // sender holds the task now, so it is not reused when it ends.
            task.Reusable = false;
            _ = Task.Run(() =>
            {
                try
                {
                    SendDataOut(task.Tag, request, h.TargetTransferTag, (int)h.BufferOffset, (int)h.DesiredDataTransferLength);
                }
                catch (Exception e)
                {
                    // The connection failed under the write: a loss of the session, which a
                    // supervisor recovers from, not a failure of the command itself.
                    Fail(task, e is IOException or ObjectDisposedException
                        ? new IscsiSessionLostException($"sending to {TargetName ?? Portal.ToString()} failed: {e.Message}", e)
                        : e);
                }
            });
        }

        void OnNopIn(NopInHeader h)
        {
            var ping = Array.Empty<byte>();
            if (h.DataSegmentLength > 0)
            {
                if (h.DataSegmentLength > MaxSmallSegment) throw new IscsiProtocolException($"NOP-In with {h.DataSegmentLength} bytes of ping data");
                ping = new byte[h.DataSegmentLength];
                connection.ReadData(ping);
            }
            if (h.InitiatorTaskTag != Bhs.ReservedTag)
            {
                if (Answered(h.InitiatorTaskTag, IscsiOpcode.NopIn) is { } exchange) Finish(exchange, new ExchangeReply(h.InitiatorTaskTag, 0));
                return;
            }
            if (h.TargetTransferTag == Bhs.ReservedTag) return;   // the target only informs us
            var bhs = new byte[Bhs.Length];
            new NopOutHeader
            {
                Immediate = true,
                Lun = h.Lun,
                InitiatorTaskTag = Bhs.ReservedTag,
                TargetTransferTag = h.TargetTransferTag,
                DataSegmentLength = ping.Length,   // CmdSN and ExpStatSN are given as it goes out
            }.Write(bhs);
            // Answered off this thread: a large Data-Out may hold the send side while the target
            // waits for us to read, and the receive thread must not wait on sending in the middle
            // of a PDU (between PDUs, where it sends what completions queued, the watchdog covers it). A target
            // that floods pings faster than we answer gets no more than MaxNopRepliesInFlight.
            if (Interlocked.Increment(ref nopRepliesInFlight) > MaxNopRepliesInFlight)
            {
                Interlocked.Decrement(ref nopRepliesInFlight);
                return;
            }
            _ = Task.Run(async () =>
            {
                try { await SendStampedAsync(bhs, ping, closing.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is System.IO.IOException or ObjectDisposedException or OperationCanceledException)
                {
                    // The connection is going; the receive loop reports that.
                }
                finally
                {
                    Interlocked.Decrement(ref nopRepliesInFlight);
                }
            });
        }

        void OnTextResponse(TextResponseHeader h)
        {
            var task = Answered(h.InitiatorTaskTag, IscsiOpcode.TextResponse)
                ?? throw new IscsiProtocolException($"the target sent a TextResponse for task 0x{h.InitiatorTaskTag:X8}, which is not a text exchange");
            var data = new byte[h.DataSegmentLength];
            connection.ReadData(data);
            task.Exchange!.Text!.Append(data);
            if (!h.Final && h.TargetTransferTag == Bhs.ReservedTag)
                throw new IscsiProtocolException("a non-final Text Response without a target transfer tag");
            Finish(task, new ExchangeReply(h.InitiatorTaskTag, 0, h.Final, h.TargetTransferTag));
        }

        void OnAsyncMessage(AsyncMessageHeader h)
        {
            if (h.DataSegmentLength > MaxSmallSegment) throw new IscsiProtocolException($"Async Message with {h.DataSegmentLength} bytes of data");
            var data = new byte[h.DataSegmentLength];
            if (data.Length > 0) connection.ReadData(data);
            var kind = Enum.IsDefined(typeof(IscsiAsyncEventKind), (int)h.AsyncEvent) ? (IscsiAsyncEventKind)h.AsyncEvent : IscsiAsyncEventKind.VendorSpecific;
            var wait = kind == IscsiAsyncEventKind.LogoutRequested ? TimeSpan.FromSeconds(Parameters.DefaultTime2Wait) : TimeSpan.FromSeconds(h.Parameter2);
            AsyncEvent?.Invoke(this, new IscsiAsyncEventArgs(kind, wait, TimeSpan.FromSeconds(h.Parameter3), data));
        }

        void OnReject(RejectHeader h)
        {
            if (h.DataSegmentLength < Bhs.Length || h.DataSegmentLength > MaxSmallSegment)
                throw new IscsiProtocolException($"Reject (reason 0x{h.Reason:X2}) without the rejected header");
            var data = new byte[h.DataSegmentLength];
            connection.ReadData(data);
            var tag = Bhs.InitiatorTaskTag(data);
            if (TryFind(tag, out var task))
                Fail(task, new IscsiProtocolException($"the target rejected our {Bhs.Opcode(data)} PDU (reason 0x{h.Reason:X2})"));
        }
    }
}
