using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>
    /// Asynchronous Message BHS (RFC 7143 section 11.9). AsyncEvent: 0 SCSI event (sense in
    /// the data segment), 1 logout requested, 2 connection
    /// dropped, 3 session dropped, 4 renegotiation requested, 255 vendor specific; the
    /// parameters carry Time2Wait and Time2Retain for events 1 to 3.
    /// </summary>
    public readonly struct AsyncMessageHeader
    {
        public ulong Lun { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }
        public byte AsyncEvent { get; init; }
        public byte AsyncVCode { get; init; }
        public ushort Parameter1 { get; init; }
        public ushort Parameter2 { get; init; }
        public ushort Parameter3 { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.AsyncMessage, immediate: false, 0x80, DataSegmentLength);
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, Bhs.ReservedTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
            bhs[36] = AsyncEvent;
            bhs[37] = AsyncVCode;
            Bhs.Put(bhs, 38, Parameter1);
            Bhs.Put(bhs, 40, Parameter2);
            Bhs.Put(bhs, 42, Parameter3);
        }

        public static AsyncMessageHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.AsyncMessage);
            return new AsyncMessageHeader
            {
                Lun = Bhs.U64(bhs, 8),
                StatSN = Bhs.U32(bhs, 24),
                ExpCmdSN = Bhs.U32(bhs, 28),
                MaxCmdSN = Bhs.U32(bhs, 32),
                AsyncEvent = bhs[36],
                AsyncVCode = bhs[37],
                Parameter1 = Bhs.U16(bhs, 38),
                Parameter2 = Bhs.U16(bhs, 40),
                Parameter3 = Bhs.U16(bhs, 42),
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }
    }
}
