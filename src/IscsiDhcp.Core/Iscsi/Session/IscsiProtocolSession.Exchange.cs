using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Common;

namespace IscsiDhcp.Iscsi.Session
{
    public sealed partial class IscsiProtocolSession
    {
        /// <summary>
        /// The target's reply to an exchange that is not a SCSI command (NOP ping, text, task
        /// management, logout): its response code, and for a text round whether it was the last
        /// and the transfer tag that continues it.
        /// </summary>
        readonly struct ExchangeReply
        {
            public ExchangeReply(uint tag, byte response, bool final = true, uint targetTransferTag = Bhs.ReservedTag)
            {
                Tag = tag;
                Response = response;
                Final = final;
                TargetTransferTag = targetTransferTag;
            }

            public uint Tag { get; }
            /// <summary>The Response field of a Task Management or Logout Response (0: done); 0 for the others.</summary>
            public byte Response { get; }
            public bool Final { get; }
            public uint TargetTransferTag { get; }
        }

        /// <summary>An exchange awaiting its reply: the opcode of the only PDU that may answer it, and where a text exchange's data goes.</summary>
        sealed class ExchangeCompletion : TaskCompletionSource<ExchangeReply>
        {
            public ExchangeCompletion(IscsiOpcode reply, TextSegmentCollector? text)
                : base(TaskCreationOptions.RunContinuationsAsynchronously)
            {
                Reply = reply;
                Text = text;
            }

            public IscsiOpcode Reply { get; }
            public TextSegmentCollector? Text { get; }
        }

        /// <summary>
        /// One request answered by one reply of <paramref name="reply"/>'s opcode under the same
        /// task tag (NOP ping, text round, task management, logout): registered under a fresh tag
        /// (or <paramref name="tag"/>, for the next round of a text exchange), its header written
        /// by <paramref name="writeRequest"/> for that tag, sent with its CmdSN and ExpStatSN
        /// given as it goes out, and forgotten when answered or timed out.
        /// </summary>
        async Task<ExchangeReply> ExchangeAsync(IscsiOpcode reply, Action<uint, byte[]> writeRequest, ReadOnlyMemory<byte> data, TimeSpan timeout,
            string what, CancellationToken cancel, uint? tag = null, TextSegmentCollector? text = null)
        {
            var exchange = new ExchangeCompletion(reply, text);
            var task = RegisterExchange(exchange, tag);
            try
            {
                var bhs = new byte[Bhs.Length];
                writeRequest(task.Tag, bhs);
                await SendStampedAsync(bhs, data, cancel).ConfigureAwait(false);
                return await WithTimeout(exchange.Task, timeout, what, cancel).ConfigureAwait(false);
            }
            finally
            {
                Forget(task);
            }
        }

        /// <summary>
        /// Awaits an exchange's answer for at most <paramref name="timeout"/>. Not cut short by
        /// the session closing: every way of closing ends every pending exchange (an answer that
        /// arrived just before the close is told in its turn, and must not be reported lost).
        /// </summary>
        async Task<T> WithTimeout<T>(Task<T> task, TimeSpan timeout, string what, CancellationToken cancel)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            linked.CancelAfter(timeout);
            if (!await task.CompletesBeforeAsync(linked.Token).ConfigureAwait(false))
            {
                cancel.ThrowIfCancellationRequested();
                ThrowIfFailed();
                throw new TimeoutException($"no {what} response from {TargetName ?? Portal.ToString()} within {timeout.TotalSeconds:0.#} s");
            }
            return await task.ConfigureAwait(false);
        }

        /// <summary>Sends a task management request and returns the target's response code (0 = function complete).</summary>
        public async Task<byte> TaskManagementAsync(TaskManagementFunction function, ulong lun, uint referencedTag = Bhs.ReservedTag,
            uint referencedCmdSN = 0, CancellationToken cancel = default)
        {
            var reply = await ExchangeAsync(IscsiOpcode.TaskManagementResponse, (tag, bhs) => new TaskManagementRequestHeader
            {
                Immediate = true,
                Function = function,
                Lun = lun,
                InitiatorTaskTag = tag,
                ReferencedTaskTag = referencedTag,
                RefCmdSN = referencedCmdSN,
            }.Write(bhs), default, TimeSpan.FromSeconds(30), "task management", cancel).ConfigureAwait(false);
            return reply.Response;
        }

        /// <summary>Pings the target with a NOP-Out and returns the round trip.</summary>
        public async Task<TimeSpan> PingAsync(TimeSpan timeout, CancellationToken cancel = default)
        {
            var clock = Stopwatch.StartNew();
            await ExchangeAsync(IscsiOpcode.NopIn, (tag, bhs) => new NopOutHeader
            {
                Immediate = true,
                InitiatorTaskTag = tag,
                TargetTransferTag = Bhs.ReservedTag,
            }.Write(bhs), default, timeout, "NOP-In", cancel).ConfigureAwait(false);
            var roundTrip = clock.Elapsed;
            LastNopRoundTrip = roundTrip;
            return roundTrip;
        }

        /// <summary>A text exchange (e.g. SendTargets), following continuations until the target's final response.</summary>
        public async Task<List<TextKeyValue>> TextAsync(IReadOnlyList<TextKeyValue> keys, CancellationToken cancel = default)
        {
            uint? tag = null;
            var collector = new TextSegmentCollector(MaxTextResponse);
            var transferTag = Bhs.ReservedTag;
            var data = TextCodec.Encode(keys);
            for (var round = 0; ; round++)
            {
                if (round > 1024) throw new IscsiProtocolException("a text exchange did not end in 1024 responses");
                var reply = await ExchangeAsync(IscsiOpcode.TextResponse, (itt, bhs) => new TextRequestHeader
                {
                    Final = true,
                    InitiatorTaskTag = itt,
                    TargetTransferTag = transferTag,
                    DataSegmentLength = data.Length,
                }.Write(bhs), data, TimeSpan.FromSeconds(30), "text", cancel, tag, collector).ConfigureAwait(false);
                if (reply.Final) return collector.Take();
                tag = reply.Tag;
                transferTag = reply.TargetTransferTag;
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
            try
            {
                var reply = await ExchangeAsync(IscsiOpcode.LogoutResponse, (tag, bhs) =>
                {
                    new LogoutRequestHeader
                    {
                        Immediate = true,
                        Reason = LogoutReason.CloseSession,
                        InitiatorTaskTag = tag,
                    }.Write(bhs);
                    // From here on the receive loop takes the target closing the connection as its answer.
                    logoutTag = tag;
                    loggingOut = true;
                }, default, timeout, "logout", cancel).ConfigureAwait(false);
                if (reply.Response != 0) throw new IscsiProtocolException($"logout refused with response {reply.Response}");
            }
            finally
            {
                Dispose();
            }
        }

        volatile bool loggingOut;
        uint logoutTag;
    }
}
