using System.Threading;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Iscsi.Session
{
    public sealed partial class IscsiProtocolSession
    {
        /// <summary>
        /// What the session knows of one command or exchange while the target has it: its tag
        /// and request, how much Data-In has arrived, whom to tell when it ends. Command records
        /// are reused, so the steady read path allocates none.
        /// </summary>
        sealed class PendingTask
        {
            int finished;

            public uint Tag { get; private set; }
            public ScsiCommandRequest Request { get; private set; }
            public uint CmdSN { get; set; }
            public IScsiCompletion Completion { get; private set; } = null!;
            /// <summary>A SCSI command (it holds one of the queue-depth slots), not an exchange.</summary>
            public bool HoldsQueueSlot { get; private set; }
            /// <summary>May go back for reuse when the target answers; cleared once another thread holds it too (an R2T's sender).</summary>
            public bool Reusable { get; set; }
            public CancellationToken CancelToken { get; set; }
            public CancellationTokenRegistration Cancellation { get; set; }
            public int Received { get; set; }
            public uint NextDataSN { get; set; }
            public TextSegmentCollector? Text { get; set; }
            public bool TextFinal { get; set; }
            public uint TextTransferTag { get; set; }

            public bool IsFinished => Volatile.Read(ref finished) != 0;

            public void Begin(uint tag, in ScsiCommandRequest request, IScsiCompletion completion, bool holdsQueueSlot, bool reusable)
            {
                Tag = tag;
                Request = request;
                Completion = completion;
                CmdSN = 0;
                HoldsQueueSlot = holdsQueueSlot;
                Reusable = reusable;
                Volatile.Write(ref finished, 0);
            }

            /// <summary>True for the one caller that gets to finish it.</summary>
            public bool TryClaim() => Interlocked.Exchange(ref finished, 1) == 0;

            /// <summary>Drops every reference before the record waits for reuse.</summary>
            public void End()
            {
                Request = default;
                Completion = null!;
                CancelToken = default;
                Cancellation = default;
                Received = 0;
                NextDataSN = 0;
                Text = null;
                TextFinal = false;
                TextTransferTag = 0;
            }
        }
    }
}
