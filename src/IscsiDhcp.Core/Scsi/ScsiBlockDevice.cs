using System;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Block;

namespace IscsiDhcp.Scsi
{
    /// <summary>A LUN's blocks through SCSI commands on a session's transport; disposing it leaves the session alone.</summary>
    public sealed class ScsiBlockDevice : IBlockDevice
    {
        readonly ScsiDevice device;

        public ScsiBlockDevice(ScsiDevice device, LunCapacity capacity)
        {
            this.device = device ?? throw new ArgumentNullException(nameof(device));
            BlockSize = capacity.BlockSize;
            BlockCount = capacity.BlockCount;
        }

        public uint BlockSize { get; }
        public ulong BlockCount { get; }
        /// <summary>Not asked beforehand: a write-protected LUN refuses the WRITE itself (DATA PROTECT), which says why.</summary>
        public bool IsReadOnly => false;

        public ValueTask ReadAsync(ulong lba, Memory<byte> buffer, CancellationToken cancel = default) => device.ReadAsync(lba, buffer, BlockSize, cancel);

        public ValueTask WriteAsync(ulong lba, ReadOnlyMemory<byte> data, CancellationToken cancel = default) => device.WriteAsync(lba, data, BlockSize, cancel);

        public Task FlushAsync(CancellationToken cancel = default) => device.SynchronizeCacheAsync(cancel);

        public void Dispose()
        {
        }
    }
}
