using System.Threading;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Iscsi.Session
{
    public sealed partial class IscsiProtocolSession
    {
        /// <summary>
        /// What the session knows of one SCSI command or exchange while the target has it: its
        /// tag, what reply it awaits, and whom to tell when it ends; for a command its request and
        /// how much Data-In has arrived. Command records are reused, so the steady read path
        /// allocates none.
        /// </summary>
        sealed class PendingTask
        {
            int finished;

            public uint Tag { get; private set; }
            public ScsiCommandRequest Request { get; private set; }
            public uint CmdSN { get; set; }
            /// <summary>Told how a SCSI command ended (null for an exchange).</summary>
            public IScsiCompletion? Completion { get; private set; }
            /// <summary>Awaits an exchange's reply (null for a SCSI command).</summary>
            public ExchangeCompletion? Exchange { get; private set; }
            /// <summary>A SCSI command (it holds one of the queue-depth slots), not an exchange.</summary>
            public bool HoldsQueueSlot { get; private set; }
            /// <summary>May go back for reuse when the target answers; cleared once another thread holds it too (an R2T's sender).</summary>
            public bool Reusable { get; set; }
            public CancellationToken CancelToken { get; set; }
            public CancellationTokenRegistration Cancellation { get; set; }
            public int Received { get; set; }
            public uint NextDataSN { get; set; }

            public bool IsFinished => Volatile.Read(ref finished) != 0;

            /// <summary>
            /// Whether a PDU of <paramref name="opcode"/> under this task's tag is one it awaits:
            /// Data-In, R2T and the SCSI Response for a command, the one reply an exchange asked for.
            /// </summary>
            public bool Awaits(IscsiOpcode opcode) => Exchange is { } exchange
                ? opcode == exchange.Reply
                : opcode is IscsiOpcode.DataIn or IscsiOpcode.ReadyToTransfer or IscsiOpcode.ScsiResponse;

            /// <summary>What it awaits, in words for a protocol error.</summary>
            public string Awaited => Exchange is { } exchange ? $"a {exchange.Reply}" : "the Data-In, R2T or SCSI Response of a SCSI command";

            public void BeginCommand(uint tag, in ScsiCommandRequest request, IScsiCompletion completion, bool reusable)
            {
                Tag = tag;
                Request = request;
                Completion = completion;
                Exchange = null;
                CmdSN = 0;
                HoldsQueueSlot = true;
                Reusable = reusable;
                Volatile.Write(ref finished, 0);
            }

            public void BeginExchange(uint tag, ExchangeCompletion exchange)
            {
                Tag = tag;
                Exchange = exchange;
                Volatile.Write(ref finished, 0);
            }

            /// <summary>True for the one caller that gets to finish it.</summary>
            public bool TryClaim() => Interlocked.Exchange(ref finished, 1) == 0;

            /// <summary>Drops every reference before the record waits for reuse.</summary>
            public void End()
            {
                Request = default;
                Completion = null;
                CancelToken = default;
                Cancellation = default;
                Received = 0;
                NextDataSN = 0;
            }
        }
    }
}
