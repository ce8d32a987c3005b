using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Logout Response BHS (RFC 7143 section 11.15). Response 0 means the logout succeeded.</summary>
    public readonly struct LogoutResponseHeader
    {
        public byte Response { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }
        public ushort Time2Wait { get; init; }
        public ushort Time2Retain { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.LogoutResponse, immediate: false, 0x80, 0);
            bhs[2] = Response;
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
            Bhs.Put(bhs, 40, Time2Wait);
            Bhs.Put(bhs, 42, Time2Retain);
        }

        public static LogoutResponseHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.LogoutResponse);
            return new LogoutResponseHeader
            {
                Response = bhs[2],
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                StatSN = Bhs.U32(bhs, 24),
                ExpCmdSN = Bhs.U32(bhs, 28),
                MaxCmdSN = Bhs.U32(bhs, 32),
                Time2Wait = Bhs.U16(bhs, 40),
                Time2Retain = Bhs.U16(bhs, 42),
            };
        }
    }
}
