using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Reject BHS (RFC 7143 section 11.17). The data segment holds the header of the rejected PDU.</summary>
    public readonly struct RejectHeader
    {
        public byte Reason { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }
        public uint DataSN { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.Reject, immediate: false, 0x80, DataSegmentLength);
            bhs[2] = Reason;
            Bhs.Put(bhs, 16, Bhs.ReservedTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
            Bhs.Put(bhs, 36, DataSN);
        }

        public static RejectHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.Reject);
            return new RejectHeader
            {
                Reason = bhs[2],
                StatSN = Bhs.U32(bhs, 24),
                ExpCmdSN = Bhs.U32(bhs, 28),
                MaxCmdSN = Bhs.U32(bhs, 32),
                DataSN = Bhs.U32(bhs, 36),
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }
    }
}
