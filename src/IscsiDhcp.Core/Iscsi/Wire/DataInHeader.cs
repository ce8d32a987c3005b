using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>SCSI Data-In BHS (RFC 7143 section 11.7). With the S bit it also carries the command's status (phase collapse).</summary>
    public readonly struct DataInHeader
    {
        public bool Final { get; init; }
        public bool Acknowledge { get; init; }
        public bool Overflow { get; init; }
        public bool Underflow { get; init; }
        public bool HasStatus { get; init; }
        public byte Status { get; init; }
        public ulong Lun { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint TargetTransferTag { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }
        public uint DataSN { get; init; }
        public uint BufferOffset { get; init; }
        public uint ResidualCount { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            var flags = (byte)((Final ? 0x80 : 0) | (Acknowledge ? 0x40 : 0) | (Overflow ? 0x04 : 0) | (Underflow ? 0x02 : 0) | (HasStatus ? 0x01 : 0));
            Bhs.Begin(bhs, IscsiOpcode.DataIn, immediate: false, flags, DataSegmentLength);
            bhs[3] = Status;
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, TargetTransferTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
            Bhs.Put(bhs, 36, DataSN);
            Bhs.Put(bhs, 40, BufferOffset);
            Bhs.Put(bhs, 44, ResidualCount);
        }

        public static DataInHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.DataIn);
            return new DataInHeader
            {
                Final = (bhs[1] & 0x80) != 0,
                Acknowledge = (bhs[1] & 0x40) != 0,
                Overflow = (bhs[1] & 0x04) != 0,
                Underflow = (bhs[1] & 0x02) != 0,
                HasStatus = (bhs[1] & 0x01) != 0,
                Status = bhs[3],
                Lun = Bhs.U64(bhs, 8),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                TargetTransferTag = Bhs.U32(bhs, 20),
                StatSN = Bhs.U32(bhs, 24),
                ExpCmdSN = Bhs.U32(bhs, 28),
                MaxCmdSN = Bhs.U32(bhs, 32),
                DataSN = Bhs.U32(bhs, 36),
                BufferOffset = Bhs.U32(bhs, 40),
                ResidualCount = Bhs.U32(bhs, 44),
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }
    }
}
