using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>
    /// NOP-Out BHS (RFC 7143 section 11.18). A ping has our task tag and TTT 0xFFFFFFFF;
    /// an answer to a target's NOP-In has ITT 0xFFFFFFFF and echoes the target's TTT.
    /// </summary>
    public readonly struct NopOutHeader
    {
        public bool Immediate { get; init; }
        public ulong Lun { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint TargetTransferTag { get; init; }
        public uint CmdSN { get; init; }
        public uint ExpStatSN { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.NopOut, Immediate, 0x80, DataSegmentLength);
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, TargetTransferTag);
            Bhs.Put(bhs, 24, CmdSN);
            Bhs.Put(bhs, 28, ExpStatSN);
        }

        public static NopOutHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.NopOut);
            return new NopOutHeader
            {
                Immediate = Bhs.IsImmediate(bhs),
                Lun = Bhs.U64(bhs, 8),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                TargetTransferTag = Bhs.U32(bhs, 20),
                CmdSN = Bhs.U32(bhs, 24),
                ExpStatSN = Bhs.U32(bhs, 28),
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }
    }
}
