using System;
using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// One export as a connection uses it: its size and block sizes, what it supports, and its
    /// I/O. The server has checked every request (bounds, alignment, payload size, read-only)
    /// before it calls here, and calls concurrently: several requests of one connection run at
    /// once. A failure is an exception: <see cref="NbdException"/> names the NBD error, anything
    /// else is told as EIO.
    /// </summary>
    public abstract class NbdExport : IDisposable
    {
        public abstract string Name { get; }
        public virtual string? Description => null;
        public abstract ulong Size { get; }
        /// <summary>The smallest addressable unit (a power of two, at most 64 KiB): a LUN's logical block.</summary>
        public virtual uint MinimumBlockSize => 1;
        /// <summary>The size from which I/O is efficient (a power of two, at least the minimum and 512).</summary>
        public virtual uint PreferredBlockSize => Math.Max(512u, MinimumBlockSize);
        public virtual bool IsReadOnly => false;
        /// <summary>Flush is offered (and FUA, done as write then flush).</summary>
        public virtual bool CanFlush => false;
        public virtual bool CanTrim => false;
        /// <summary>Several connections to this export see each other's flushed writes (no private cache).</summary>
        public virtual bool CanMultiConnect => false;

        public abstract ValueTask ReadAsync(ulong offset, Memory<byte> buffer, CancellationToken cancel);

        public abstract ValueTask WriteAsync(ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancel);

        public virtual ValueTask FlushAsync(CancellationToken cancel) => throw new NbdException(NbdError.Invalid, "this export has no flush");

        /// <summary>Discards a range; <paramref name="length"/> may exceed the maximum payload (nothing is carried).</summary>
        public virtual ValueTask TrimAsync(ulong offset, ulong length, CancellationToken cancel) => throw new NbdException(NbdError.Invalid, "this export has no trim");

        /// <summary>Writes zeroes over a range, by default as ordinary writes of a shared zero buffer.</summary>
        public virtual async ValueTask WriteZeroesAsync(ulong offset, ulong length, CancellationToken cancel)
        {
            var zeroes = Zeroes;
            var step = (ulong)(zeroes.Length - (zeroes.Length % (int)MinimumBlockSize));
            while (length > 0)
            {
                var n = Math.Min(step, length);
                await WriteAsync(offset, zeroes.AsMemory(0, (int)n), cancel).ConfigureAwait(false);
                offset += n;
                length -= n;
            }
        }

        static readonly byte[] Zeroes = new byte[1 << 20];

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
        }
    }
}
