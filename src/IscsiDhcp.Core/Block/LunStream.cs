using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

using IscsiDhcp.Scsi;

namespace IscsiDhcp.Block
{
    /// <summary>
    /// A seekable <see cref="Stream"/> over a logical unit, usable with any API that takes a
    /// stream. Block-aligned reads and writes go straight between the caller's buffer and the
    /// device; unaligned edges use one block of bounce buffer (read-modify-write for writes).
    /// <see cref="Flush"/> is the device's flush (SYNCHRONIZE CACHE, NBD_CMD_FLUSH); disposing
    /// the stream disposes the device.
    /// </summary>
    public sealed class LunStream : Stream
    {
        /// <summary>The largest transfer one command (SCSI or NBD) carries here.</summary>
        public const int MaxTransferBytes = 1024 * 1024;

        readonly IBlockDevice device;
        readonly uint blockSize;
        readonly long length;
        readonly bool writable;
        readonly byte[] bounce;
        readonly SemaphoreSlim gate = new(1, 1);
        long position;
        bool dirty;
        bool disposed;

        public LunStream(IBlockDevice device, bool writable)
        {
            this.device = device ?? throw new ArgumentNullException(nameof(device));
            blockSize = device.BlockSize;
            if (blockSize == 0 || blockSize > MaxTransferBytes) throw new ArgumentException($"block size {blockSize} is not usable", nameof(device));
            length = checked((long)(device.BlockCount * blockSize));
            this.writable = writable && !device.IsReadOnly;
            bounce = new byte[blockSize];
        }

        /// <summary>Opens a stream over LUN <paramref name="lun"/> of a transport, reading its capacity first.</summary>
        public static async Task<LunStream> OpenAsync(IScsiTransport transport, int lun, bool writable, CancellationToken cancel = default)
        {
            var device = new ScsiDevice(transport, lun);
            var capacity = await device.ReadCapacityAsync(cancel).ConfigureAwait(false);
            return new LunStream(new ScsiBlockDevice(device, capacity), writable);
        }

        public uint BlockSize => blockSize;
        /// <summary>The blocks under the stream.</summary>
        internal IBlockDevice Device => device;
        public override bool CanRead => !disposed;
        public override bool CanSeek => !disposed;
        public override bool CanWrite => !disposed && writable;
        public override long Length => length;

        public override long Position
        {
            get => position;
            set
            {
                if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "a position cannot be negative");
                position = value;
            }
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            var target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => position + offset,
                SeekOrigin.End => length + offset,
                _ => throw new ArgumentOutOfRangeException(nameof(origin)),
            };
            Position = target;
            return position;
        }

        public override void SetLength(long value) => throw new NotSupportedException("a LUN's size is fixed by the target");

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            CheckArguments(buffer, offset, count);
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var total = (int)Math.Min(count, Math.Max(0, length - position));
                var done = 0;
                while (done < total)
                {
                    var lba = (ulong)(position / blockSize);
                    var within = (int)(position % blockSize);
                    var remaining = total - done;
                    if (within == 0 && remaining >= blockSize)
                    {
                        // Aligned: whole blocks straight into the caller's buffer.
                        var bytes = (int)Math.Min(remaining / blockSize * blockSize, MaxTransferBytes / blockSize * blockSize);
                        await device.ReadAsync(lba, buffer.AsMemory(offset + done, bytes), cancellationToken).ConfigureAwait(false);
                        done += bytes;
                        position += bytes;
                    }
                    else
                    {
                        await device.ReadAsync(lba, bounce, cancellationToken).ConfigureAwait(false);
                        var bytes = Math.Min(remaining, (int)blockSize - within);
                        Buffer.BlockCopy(bounce, within, buffer, offset + done, bytes);
                        done += bytes;
                        position += bytes;
                    }
                }
                return total;
            }
            finally
            {
                gate.Release();
            }
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            CheckArguments(buffer, offset, count);
            if (!CanWrite) throw new NotSupportedException("the LUN was opened for reading only");
            if (position + count > length) throw new IOException($"writing {count} bytes at {position} runs past the end of the {length}-byte LUN");
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var done = 0;
                while (done < count)
                {
                    var lba = (ulong)(position / blockSize);
                    var within = (int)(position % blockSize);
                    var remaining = count - done;
                    if (within == 0 && remaining >= blockSize)
                    {
                        var bytes = (int)Math.Min(remaining / blockSize * blockSize, MaxTransferBytes / blockSize * blockSize);
                        await device.WriteAsync(lba, buffer.AsMemory(offset + done, bytes), cancellationToken).ConfigureAwait(false);
                        done += bytes;
                        position += bytes;
                    }
                    else
                    {
                        // A partial block: read it, change the part we were given, write it back.
                        await device.ReadAsync(lba, bounce, cancellationToken).ConfigureAwait(false);
                        var bytes = Math.Min(remaining, (int)blockSize - within);
                        Buffer.BlockCopy(buffer, offset + done, bounce, within, bytes);
                        await device.WriteAsync(lba, bounce, cancellationToken).ConfigureAwait(false);
                        done += bytes;
                        position += bytes;
                    }
                    dirty = true;
                }
            }
            finally
            {
                gate.Release();
            }
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (!dirty) return;
            await device.FlushAsync(cancellationToken).ConfigureAwait(false);
            dirty = false;
        }

        void CheckArguments(byte[] buffer, int offset, int count)
        {
            if (disposed) throw new ObjectDisposedException(nameof(LunStream));
            if (buffer is null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset + count > buffer.Length)
                throw new ArgumentOutOfRangeException(nameof(count), $"offset {offset} and count {count} do not fit a {buffer.Length}-byte buffer");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !disposed)
            {
                try { Flush(); }
                finally
                {
                    disposed = true;
                    gate.Dispose();
                    device.Dispose();
                }
            }
            base.Dispose(disposing);
        }
    }
}
