using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>
    /// NOP-In BHS (RFC 7143 section 11.19): the answer to our ping (our ITT), or the
    /// target's own ping (ITT 0xFFFFFFFF; a TTT other than 0xFFFFFFFF asks for an answer).
    /// </summary>
    public readonly struct NopInHeader
    {
        public ulong Lun { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint TargetTransferTag { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.NopIn, immediate: false, 0x80, DataSegmentLength);
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, TargetTransferTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
        }

        public static NopInHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.NopIn);
            return new NopInHeader
            {
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
