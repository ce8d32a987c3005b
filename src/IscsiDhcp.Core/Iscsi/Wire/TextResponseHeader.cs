using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Text Response BHS (RFC 7143 section 11.11).</summary>
    public readonly struct TextResponseHeader
    {
        public bool Final { get; init; }
        public bool Continue { get; init; }
        public ulong Lun { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint TargetTransferTag { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.TextResponse, immediate: false, (byte)((Final ? 0x80 : 0) | (Continue ? 0x40 : 0)), DataSegmentLength);
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, TargetTransferTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
        }

        public static TextResponseHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.TextResponse);
            return new TextResponseHeader
            {
                Final = (bhs[1] & 0x80) != 0,
                Continue = (bhs[1] & 0x40) != 0,
                Lun = Bhs.U64(bhs, 8),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                TargetTransferTag = Bhs.U32(bhs, 20),
                StatSN = Bhs.U32(bhs, 24),
                ExpCmdSN = Bhs.U32(bhs, 28),
                MaxCmdSN = Bhs.U32(bhs, 32),
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }
    }
}
