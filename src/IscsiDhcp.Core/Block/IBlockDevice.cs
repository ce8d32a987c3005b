using System;
using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Block
{
    /// <summary>
    /// A LUN's blocks as Open-, Copy- and Measure-IscsiLun use them, whichever way they are
    /// reached: SCSI commands through a session of this process, or the agent's NBD export
    /// for a session the agent holds. Disposing it lets go of the way in (the NBD connection),
    /// never of the session.
    /// </summary>
    public interface IBlockDevice : IDisposable
    {
        uint BlockSize { get; }
        ulong BlockCount { get; }
        /// <summary>Whether writes are refused (a write-protected LUN, or an export opened for reading).</summary>
        bool IsReadOnly { get; }

        /// <summary>Reads whole blocks from <paramref name="lba"/> into <paramref name="buffer"/> (a multiple of <see cref="BlockSize"/>).</summary>
        ValueTask ReadAsync(ulong lba, Memory<byte> buffer, CancellationToken cancel = default);

        /// <summary>Writes whole blocks at <paramref name="lba"/>.</summary>
        ValueTask WriteAsync(ulong lba, ReadOnlyMemory<byte> data, CancellationToken cancel = default);

        /// <summary>Makes what was written durable (SYNCHRONIZE CACHE, NBD_CMD_FLUSH).</summary>
        Task FlushAsync(CancellationToken cancel = default);
    }
}
