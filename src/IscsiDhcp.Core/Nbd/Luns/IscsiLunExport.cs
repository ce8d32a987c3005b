using System;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Block;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Nbd.Luns
{
    /// <summary>
    /// One LUN of a session as an NBD export: reads and writes as READ/WRITE of at most the LUN's
    /// transfer limit each (a large request's pieces go out together), FLUSH as SYNCHRONIZE CACHE,
    /// TRIM as UNMAP where the LUN has it. SCSI and session failures become the NBD errors a
    /// client understands: a lost session is EIO, one that was disconnected ESHUTDOWN.
    /// </summary>
    public sealed class IscsiLunExport : NbdExport
    {
        readonly ScsiDevice device;
        readonly uint blockSize;
        readonly ulong blockCount;
        readonly int transferBytes;
        readonly uint unmapBlocks;
        readonly bool canTrim;

        public IscsiLunExport(string name, string? description, ScsiDevice device, LunCapacity capacity, BlockLimits? limits, bool unmap, bool writeProtected = false)
        {
            Name = name;
            Description = description;
            this.device = device ?? throw new ArgumentNullException(nameof(device));
            blockSize = capacity.BlockSize;
            blockCount = capacity.BlockCount;
            // Pieces no larger than the LUN allows in one command, and than the stream over it uses (1 MiB).
            var most = (ulong)LunStream.MaxTransferBytes;
            if (limits is { MaximumTransferLength: > 0 } l) most = Math.Min(most, (ulong)l.MaximumTransferLength * blockSize);
            transferBytes = (int)Math.Max(blockSize, most - (most % blockSize));
            canTrim = unmap;
            IsReadOnly = writeProtected;
            unmapBlocks = limits is { MaximumUnmapLbaCount: > 0 and < uint.MaxValue } u ? u.MaximumUnmapLbaCount : 1u << 22;
        }

        public override string Name { get; }
        public override string? Description { get; }
        public override ulong Size => blockCount * blockSize;
        public override uint MinimumBlockSize => blockSize;
        public override uint PreferredBlockSize => Math.Max(4096u, blockSize);
        /// <summary>The LUN is write-protected (MODE SENSE WP): every connection gets it read-only.</summary>
        public override bool IsReadOnly { get; }
        public override bool CanFlush => true;
        public override bool CanTrim => canTrim;
        // No cache of ours: every connection's flush reaches the same LUN.
        public override bool CanMultiConnect => true;
        public int Lun => device.Lun;

        public override async ValueTask ReadAsync(ulong offset, Memory<byte> buffer, CancellationToken cancel)
        {
            try
            {
                if (buffer.Length <= transferBytes)
                {
                    await device.ReadAsync(offset / blockSize, buffer, blockSize, cancel).ConfigureAwait(false);
                    return;
                }
                var pieces = new Task[(buffer.Length + transferBytes - 1) / transferBytes];
                for (var i = 0; i < pieces.Length; i++)
                {
                    var at = i * transferBytes;
                    pieces[i] = device.ReadAsync((offset + (ulong)at) / blockSize, buffer.Slice(at, Math.Min(transferBytes, buffer.Length - at)), blockSize, cancel).AsTask();
                }
                await Task.WhenAll(pieces).ConfigureAwait(false);
            }
            catch (Exception e) when (Translate(e, "READ") is { } error)
            {
                throw error;
            }
        }

        public override async ValueTask WriteAsync(ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancel)
        {
            try
            {
                if (data.Length <= transferBytes)
                {
                    await device.WriteAsync(offset / blockSize, data, blockSize, cancel).ConfigureAwait(false);
                    return;
                }
                var pieces = new Task[(data.Length + transferBytes - 1) / transferBytes];
                for (var i = 0; i < pieces.Length; i++)
                {
                    var at = i * transferBytes;
                    pieces[i] = device.WriteAsync((offset + (ulong)at) / blockSize, data.Slice(at, Math.Min(transferBytes, data.Length - at)), blockSize, cancel).AsTask();
                }
                await Task.WhenAll(pieces).ConfigureAwait(false);
            }
            catch (Exception e) when (Translate(e, "WRITE") is { } error)
            {
                throw error;
            }
        }

        public override async ValueTask FlushAsync(CancellationToken cancel)
        {
            try
            {
                await device.SynchronizeCacheAsync(cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (Translate(e, "SYNCHRONIZE CACHE") is { } error)
            {
                throw error;
            }
        }

        public override async ValueTask TrimAsync(ulong offset, ulong length, CancellationToken cancel)
        {
            if (!canTrim) throw new NbdException(NbdError.Invalid, $"{Name} does not take UNMAP");
            try
            {
                var lba = offset / blockSize;
                var blocks = length / blockSize;
                while (blocks > 0)
                {
                    var n = (uint)Math.Min(blocks, unmapBlocks);
                    await device.UnmapAsync(lba, n, cancel).ConfigureAwait(false);
                    lba += n;
                    blocks -= n;
                }
            }
            catch (Exception e) when (Translate(e, "UNMAP") is { } error)
            {
                throw error;
            }
        }

        /// <summary>The NBD error for a failure; null for cancellation, which the server answers itself.</summary>
        static NbdException? Translate(Exception e, string command)
        {
            switch (e)
            {
                case OperationCanceledException:
                case NbdException:
                    return null;
                case ScsiCommandException scsi:
                    return new NbdException(FromSense(scsi), scsi.Message, scsi);
                case IscsiSessionLostException lost:
                    return new NbdException(NbdError.IO, lost.Message, lost);
                case ObjectDisposedException gone:
                    // The session was disconnected on purpose: the export is going away, as a server shutting down.
                    return new NbdException(NbdError.Shutdown, gone.Message, gone);
                default:
                    return new NbdException(NbdError.IO, $"{command}: {e.Message}", e);
            }
        }

        static NbdError FromSense(ScsiCommandException e)
        {
            if (e.Sense is not { } sense) return NbdError.IO;
            return sense.SenseKey switch
            {
                ScsiSense.DataProtect when sense.AdditionalSenseCode == 0x27 && sense.AdditionalSenseCodeQualifier == 0x07 => NbdError.NoSpace,   // SPACE ALLOCATION FAILED WRITE PROTECT
                ScsiSense.DataProtect => NbdError.NotPermitted,
                ScsiSense.IllegalRequest when sense.AdditionalSenseCode == 0x21 => NbdError.Invalid,   // LBA OUT OF RANGE
                ScsiSense.IllegalRequest => NbdError.Invalid,
                _ => NbdError.IO,
            };
        }
    }
}
