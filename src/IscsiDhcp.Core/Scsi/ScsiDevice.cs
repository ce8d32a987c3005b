using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Scsi
{
    /// <summary>
    /// One logical unit reached through an <see cref="IScsiTransport"/>: INQUIRY and its VPD
    /// pages, capacity, READ/WRITE, TEST UNIT READY, SYNCHRONIZE CACHE. A UNIT ATTENTION
    /// (as a target reports after a login or reset) is absorbed and the command retried.
    /// </summary>
    public sealed class ScsiDevice
    {
        readonly Stack<ScsiOperation> idle = new();

        public ScsiDevice(IScsiTransport transport, int lun)
        {
            Transport = transport ?? throw new ArgumentNullException(nameof(transport));
            Lun = lun;
            LunField = ScsiLun.Encode(lun);
        }

        public int Lun { get; }
        internal ulong LunField { get; }
        internal IScsiTransport Transport { get; }

        /// <summary>Runs a command; throws <see cref="ScsiCommandException"/> unless it ends GOOD.</summary>
        public ValueTask<ScsiCommandResult> RunAsync(string name, byte[] cdb, Memory<byte> readBuffer = default, ReadOnlyMemory<byte> writeData = default,
            CancellationToken cancel = default)
        {
            if (cdb is null || cdb.Length == 0 || cdb.Length > 16) throw new ArgumentException("a CDB is 1 to 16 bytes", nameof(cdb));
            var operation = Rent();
            cdb.CopyTo(operation.Cdb, 0);
            return new ValueTask<ScsiCommandResult>(operation, operation.Start(name, cdb.Length, readBuffer, writeData, null, cancel));
        }

        public async Task<InquiryData> InquiryAsync(CancellationToken cancel = default)
        {
            var buffer = new byte[96];
            var result = await RunAsync("INQUIRY", Cdb.Inquiry((ushort)buffer.Length), buffer, cancel: cancel).ConfigureAwait(false);
            return InquiryData.Parse(buffer.AsSpan(0, result.BytesTransferred));
        }

        public async Task<byte[]> VpdPageAsync(byte page, CancellationToken cancel = default)
        {
            var buffer = new byte[1024];
            var result = await RunAsync($"INQUIRY VPD 0x{page:X2}", Cdb.Inquiry((ushort)buffer.Length, page), buffer, cancel: cancel).ConfigureAwait(false);
            return buffer.AsSpan(0, result.BytesTransferred).ToArray();
        }

        public async Task<string> SerialNumberAsync(CancellationToken cancel = default) =>
            VpdPages.ParseSerialNumber(await VpdPageAsync(VpdPages.UnitSerialNumber, cancel).ConfigureAwait(false));

        public async Task<IReadOnlyList<DeviceIdentifier>> DeviceIdentifiersAsync(CancellationToken cancel = default) =>
            VpdPages.ParseDeviceIdentification(await VpdPageAsync(VpdPages.DeviceIdentification, cancel).ConfigureAwait(false));

        /// <summary>READ CAPACITY(10), then (16) when the LUN is too big for (10) to say.</summary>
        public async Task<LunCapacity> ReadCapacityAsync(CancellationToken cancel = default)
        {
            var ten = new byte[8];
            await RunAsync("READ CAPACITY(10)", Cdb.ReadCapacity10(), ten, cancel: cancel).ConfigureAwait(false);
            var lastLba = BinaryPrimitives.ReadUInt32BigEndian(ten);
            if (lastLba != uint.MaxValue) return new LunCapacity((ulong)lastLba + 1, BinaryPrimitives.ReadUInt32BigEndian(ten.AsSpan(4)));
            var sixteen = new byte[32];
            await RunAsync("READ CAPACITY(16)", Cdb.ReadCapacity16(), sixteen, cancel: cancel).ConfigureAwait(false);
            return new LunCapacity(BinaryPrimitives.ReadUInt64BigEndian(sixteen) + 1, BinaryPrimitives.ReadUInt32BigEndian(sixteen.AsSpan(8)));
        }

        /// <summary>Reads whole blocks from <paramref name="lba"/> into <paramref name="buffer"/> (a multiple of the block size).</summary>
        public ValueTask ReadAsync(ulong lba, Memory<byte> buffer, uint blockSize, CancellationToken cancel = default)
        {
            var blocks = Blocks(buffer.Length, blockSize);
            var operation = Rent();
            var cdbLength = Cdb.Read(operation.Cdb, lba, blocks).Length;
            return new ValueTask(operation, operation.Start("READ", cdbLength, buffer, default, lba, cancel));
        }

        public ValueTask WriteAsync(ulong lba, ReadOnlyMemory<byte> data, uint blockSize, CancellationToken cancel = default)
        {
            var blocks = Blocks(data.Length, blockSize);
            var operation = Rent();
            var cdbLength = Cdb.Write(operation.Cdb, lba, blocks).Length;
            return new ValueTask(operation, operation.Start("WRITE", cdbLength, default, data, lba, cancel));
        }

        public async Task TestUnitReadyAsync(CancellationToken cancel = default) =>
            await RunAsync("TEST UNIT READY", Cdb.TestUnitReady(), cancel: cancel).ConfigureAwait(false);

        public async Task SynchronizeCacheAsync(CancellationToken cancel = default) =>
            await RunAsync("SYNCHRONIZE CACHE", Cdb.SynchronizeCache10(), cancel: cancel).ConfigureAwait(false);

        /// <summary>
        /// Whether the LUN refuses writes: the WP bit of the MODE SENSE(6) header (SBC-3,
        /// device-specific parameter bit 7). A LUN that does not answer MODE SENSE counts as writable.
        /// </summary>
        public async Task<bool> IsWriteProtectedAsync(CancellationToken cancel = default)
        {
            var buffer = new byte[255];
            try
            {
                var result = await RunAsync("MODE SENSE(6)", Cdb.ModeSense6((byte)buffer.Length), buffer, cancel: cancel).ConfigureAwait(false);
                return result.BytesTransferred >= 3 && (buffer[2] & 0x80) != 0;
            }
            catch (ScsiCommandException)
            {
                return false;
            }
        }

        /// <summary>The VPD pages the LUN has (page 0x00).</summary>
        public async Task<IReadOnlyList<byte>> SupportedVpdPagesAsync(CancellationToken cancel = default) =>
            VpdPages.ParseSupportedPages(await VpdPageAsync(VpdPages.SupportedPages, cancel).ConfigureAwait(false));

        /// <summary>UNMAP of one range (the LUN must report LBPU; see <see cref="VpdPages.ParseUnmapSupported"/>).</summary>
        public async Task UnmapAsync(ulong lba, uint blocks, CancellationToken cancel = default)
        {
            var parameters = Cdb.UnmapParameters(lba, blocks);
            await RunAsync("UNMAP", Cdb.Unmap((ushort)parameters.Length), writeData: parameters, cancel: cancel).ConfigureAwait(false);
        }

        /// <summary>REPORT LUNS (sent to LUN 0 by convention): the LUN numbers of the target.</summary>
        public static async Task<IReadOnlyList<int>> ReportLunsAsync(IScsiTransport transport, CancellationToken cancel = default)
        {
            var buffer = new byte[16 + (8 * 256)];
            var device = new ScsiDevice(transport, 0);
            var result = await device.RunAsync("REPORT LUNS", Cdb.ReportLuns((uint)buffer.Length), buffer, cancel: cancel).ConfigureAwait(false);
            var listLength = (int)BinaryPrimitives.ReadUInt32BigEndian(buffer);
            var count = Math.Min(listLength, result.BytesTransferred - 8) / 8;
            var luns = new List<int>();
            for (var i = 0; i < count; i++)
            {
                var lun = ScsiLun.Decode(BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(8 + (8 * i))));
                if (lun >= 0) luns.Add(lun);
            }
            return luns;
        }

        ScsiOperation Rent()
        {
            lock (idle) return idle.Count > 0 ? idle.Pop() : new ScsiOperation(this);
        }

        internal void Return(ScsiOperation operation)
        {
            lock (idle) idle.Push(operation);
        }

        static uint Blocks(int length, uint blockSize)
        {
            if (blockSize == 0 || length % blockSize != 0)
                throw new ArgumentException($"{length} bytes is not a whole number of {blockSize}-byte blocks");
            return (uint)(length / blockSize);
        }
    }
}
