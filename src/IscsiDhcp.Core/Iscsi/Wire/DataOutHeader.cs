using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>SCSI Data-Out BHS (RFC 7143 section 11.7). Unsolicited data carries TargetTransferTag 0xFFFFFFFF.</summary>
    public readonly struct DataOutHeader
    {
        public bool Final { get; init; }
        public ulong Lun { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint TargetTransferTag { get; init; }
        public uint ExpStatSN { get; init; }
        public uint DataSN { get; init; }
        public uint BufferOffset { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.DataOut, immediate: false, (byte)(Final ? 0x80 : 0), DataSegmentLength);
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, TargetTransferTag);
            Bhs.Put(bhs, 28, ExpStatSN);
            Bhs.Put(bhs, 36, DataSN);
            Bhs.Put(bhs, 40, BufferOffset);
        }

        public static DataOutHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.DataOut);
            return new DataOutHeader
            {
                Final = (bhs[1] & 0x80) != 0,
                Lun = Bhs.U64(bhs, 8),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                TargetTransferTag = Bhs.U32(bhs, 20),
                ExpStatSN = Bhs.U32(bhs, 28),
                DataSN = Bhs.U32(bhs, 36),
                BufferOffset = Bhs.U32(bhs, 40),
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }
    }
}
