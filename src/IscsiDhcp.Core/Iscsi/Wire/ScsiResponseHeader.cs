using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>SCSI Response BHS (RFC 7143 section 11.4). Sense data, when present, is in the data segment.</summary>
    public readonly struct ScsiResponseHeader
    {
        public bool BidiOverflow { get; init; }
        public bool BidiUnderflow { get; init; }
        public bool Overflow { get; init; }
        public bool Underflow { get; init; }
        /// <summary>0 = command completed at target; otherwise the target failed to deliver it.</summary>
        public byte Response { get; init; }
        public byte Status { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }
        public uint ExpDataSN { get; init; }
        public uint BidiResidualCount { get; init; }
        public uint ResidualCount { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            var flags = (byte)(0x80 | (BidiOverflow ? 0x10 : 0) | (BidiUnderflow ? 0x08 : 0) | (Overflow ? 0x04 : 0) | (Underflow ? 0x02 : 0));
            Bhs.Begin(bhs, IscsiOpcode.ScsiResponse, immediate: false, flags, DataSegmentLength);
            bhs[2] = Response;
            bhs[3] = Status;
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
            Bhs.Put(bhs, 36, ExpDataSN);
            Bhs.Put(bhs, 40, BidiResidualCount);
            Bhs.Put(bhs, 44, ResidualCount);
        }

        public static ScsiResponseHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.ScsiResponse);
            return new ScsiResponseHeader
            {
                BidiOverflow = (bhs[1] & 0x10) != 0,
                BidiUnderflow = (bhs[1] & 0x08) != 0,
                Overflow = (bhs[1] & 0x04) != 0,
                Underflow = (bhs[1] & 0x02) != 0,
                Response = bhs[2],
                Status = bhs[3],
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                StatSN = Bhs.U32(bhs, 24),
                ExpCmdSN = Bhs.U32(bhs, 28),
                MaxCmdSN = Bhs.U32(bhs, 32),
                ExpDataSN = Bhs.U32(bhs, 36),
                BidiResidualCount = Bhs.U32(bhs, 40),
                ResidualCount = Bhs.U32(bhs, 44),
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }
    }
}
