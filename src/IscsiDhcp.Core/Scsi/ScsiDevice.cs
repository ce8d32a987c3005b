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
        const int UnitAttentionRetries = 4;
        readonly IScsiTransport transport;

        public ScsiDevice(IScsiTransport transport, int lun)
        {
            this.transport = transport;
            Lun = lun;
            LunField = ScsiLun.Encode(lun);
        }

        public int Lun { get; }
        ulong LunField { get; }

        /// <summary>Runs a command; throws <see cref="ScsiCommandException"/> unless it ends GOOD.</summary>
        public async Task<ScsiCommandResult> RunAsync(string name, byte[] cdb, Memory<byte> readBuffer = default, ReadOnlyMemory<byte> writeData = default,
            CancellationToken cancel = default)
        {
            for (var attempt = 0; ; attempt++)
            {
                var result = await transport.ExecuteAsync(new ScsiCommandRequest(LunField, cdb, readBuffer, writeData), cancel).ConfigureAwait(false);
                if (result.IsGood) return result;
                var sense = ScsiSense.Parse(result.Sense);
                if (result.Status == 0x02 && sense?.SenseKey == ScsiSense.UnitAttention && attempt < UnitAttentionRetries) continue;
                throw new ScsiCommandException(name, result.Status, sense);
            }
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
        public async Task ReadAsync(ulong lba, Memory<byte> buffer, uint blockSize, CancellationToken cancel = default)
        {
            var blocks = Blocks(buffer.Length, blockSize);
            var result = await RunAsync("READ", Cdb.Read(lba, blocks), buffer, cancel: cancel).ConfigureAwait(false);
            if (result.BytesTransferred != buffer.Length)
                throw new System.IO.IOException($"READ at LBA {lba} returned {result.BytesTransferred} of {buffer.Length} bytes");
        }

        public Task WriteAsync(ulong lba, ReadOnlyMemory<byte> data, uint blockSize, CancellationToken cancel = default) =>
            RunAsync("WRITE", Cdb.Write(lba, Blocks(data.Length, blockSize)), writeData: data, cancel: cancel);

        public Task TestUnitReadyAsync(CancellationToken cancel = default) => RunAsync("TEST UNIT READY", Cdb.TestUnitReady(), cancel: cancel);

        public Task SynchronizeCacheAsync(CancellationToken cancel = default) => RunAsync("SYNCHRONIZE CACHE", Cdb.SynchronizeCache10(), cancel: cancel);

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

        static uint Blocks(int length, uint blockSize)
        {
            if (blockSize == 0 || length % blockSize != 0)
                throw new ArgumentException($"{length} bytes is not a whole number of {blockSize}-byte blocks");
            return (uint)(length / blockSize);
        }
    }
}
