using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Text Request BHS (RFC 7143 section 11.10).</summary>
    public readonly struct TextRequestHeader
    {
        public bool Immediate { get; init; }
        public bool Final { get; init; }
        public bool Continue { get; init; }
        public ulong Lun { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint TargetTransferTag { get; init; }
        public uint CmdSN { get; init; }
        public uint ExpStatSN { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.TextRequest, Immediate, (byte)((Final ? 0x80 : 0) | (Continue ? 0x40 : 0)), DataSegmentLength);
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, TargetTransferTag);
            Bhs.Put(bhs, 24, CmdSN);
            Bhs.Put(bhs, 28, ExpStatSN);
        }

        public static TextRequestHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.TextRequest);
            return new TextRequestHeader
            {
                Immediate = Bhs.IsImmediate(bhs),
                Final = (bhs[1] & 0x80) != 0,
                Continue = (bhs[1] & 0x40) != 0,
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
