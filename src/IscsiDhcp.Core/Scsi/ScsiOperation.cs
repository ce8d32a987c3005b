using System;
using System.Threading;
using System.Threading.Tasks.Sources;

namespace IscsiDhcp.Scsi
{
    /// <summary>
    /// One command of a <see cref="ScsiDevice"/> on its way through the transport, and what
    /// the caller awaits: it owns the CDB bytes, checks the outcome (GOOD status, the whole
    /// transfer) where the transport reports it, and sends the command again after a UNIT
    /// ATTENTION. Operations are pooled by their device, so a read or write allocates nothing.
    /// </summary>
    sealed class ScsiOperation : IScsiCompletion, IValueTaskSource<ScsiCommandResult>, IValueTaskSource
    {
        const int UnitAttentionRetries = 4;
        static readonly WaitCallback SubmitAgain = state => ((ScsiOperation)state!).Submit();

        readonly ScsiDevice device;
        // The transport tells us on a thread where the caller's continuation may run (see IScsiCompletion).
        ManualResetValueTaskSourceCore<ScsiCommandResult> core = new() { RunContinuationsAsynchronously = false };
        ScsiCommandRequest request;
        CancellationToken cancel;
        string name = "";
        ulong lba;
        bool wholeTransfer;
        int attempt;

        public ScsiOperation(ScsiDevice device) => this.device = device;

        /// <summary>Where the caller writes the CDB before <see cref="Start"/>.</summary>
        public byte[] Cdb { get; } = new byte[16];

        /// <summary>
        /// Sends the command whose CDB is in <see cref="Cdb"/>; the returned token is for the
        /// caller's ValueTask. A block read (<paramref name="lba"/> given) must return every
        /// byte; INQUIRY and friends may return less than they asked for.
        /// </summary>
        public short Start(string name, int cdbLength, Memory<byte> readBuffer, ReadOnlyMemory<byte> writeData, ulong? lba, CancellationToken cancel)
        {
            this.name = name;
            this.lba = lba.GetValueOrDefault();
            wholeTransfer = lba.HasValue;
            this.cancel = cancel;
            attempt = 0;
            request = new ScsiCommandRequest(device.LunField, Cdb.AsMemory(0, cdbLength), readBuffer, writeData);
            var token = core.Version;
            Submit();
            return token;
        }

        void Submit() => device.Transport.Start(request, this, cancel);

        public void Complete(in ScsiCommandResult result)
        {
            if (result.IsGood)
            {
                var expected = request.ReadBuffer.Length;
                if (wholeTransfer && expected > 0 && result.BytesTransferred != expected)
                    core.SetException(new System.IO.IOException($"{name} at LBA {lba} returned {result.BytesTransferred} of {expected} bytes"));
                else
                    core.SetResult(result);
                return;
            }
            var sense = ScsiSense.Parse(result.Sense);
            if (result.Status == 0x02 && sense?.SenseKey == ScsiSense.UnitAttention && attempt++ < UnitAttentionRetries)
            {
                // Sent again from the pool, not from here: a transport may tell us from inside Start.
                ThreadPool.QueueUserWorkItem(SubmitAgain, this);
                return;
            }
            core.SetException(new ScsiCommandException(name, result.Status, sense));
        }

        public void Fail(Exception reason) => core.SetException(reason);

        public ScsiCommandResult GetResult(short token)
        {
            try
            {
                return core.GetResult(token);
            }
            finally
            {
                request = default;
                cancel = default;
                core.Reset();
                device.Return(this);
            }
        }

        void IValueTaskSource.GetResult(short token) => GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            core.OnCompleted(continuation, state, token, flags);
    }
}
