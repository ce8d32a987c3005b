using System;

namespace IscsiDhcp.Scsi
{
    /// <summary>A SCSI command to run on a LUN: its CDB, where read data lands, what write data to send.</summary>
    public readonly struct ScsiCommandRequest
    {
        public ScsiCommandRequest(ulong lun, ReadOnlyMemory<byte> cdb, Memory<byte> readBuffer = default, ReadOnlyMemory<byte> writeData = default)
        {
            if (cdb.Length == 0 || cdb.Length > 16) throw new ArgumentException("a CDB is 1 to 16 bytes", nameof(cdb));
            if (readBuffer.Length > 0 && writeData.Length > 0) throw new ArgumentException("bidirectional commands are not supported", nameof(writeData));
            Lun = lun;
            Cdb = cdb;
            ReadBuffer = readBuffer;
            WriteData = writeData;
        }

        /// <summary>The LUN as the 8 bytes of the PDU's LUN field (see <see cref="IscsiDhcp.Scsi.ScsiLun"/>).</summary>
        public ulong Lun { get; }
        /// <summary>The CDB; it must stay unchanged until the command completes.</summary>
        public ReadOnlyMemory<byte> Cdb { get; }
        public Memory<byte> ReadBuffer { get; }
        public ReadOnlyMemory<byte> WriteData { get; }
    }
}
