using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Logout Request BHS (RFC 7143 section 11.14).</summary>
    public readonly struct LogoutRequestHeader
    {
        public bool Immediate { get; init; }
        public LogoutReason Reason { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public ushort ConnectionId { get; init; }
        public uint CmdSN { get; init; }
        public uint ExpStatSN { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.LogoutRequest, Immediate, (byte)(0x80 | (byte)Reason), 0);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, ConnectionId);
            Bhs.Put(bhs, 24, CmdSN);
            Bhs.Put(bhs, 28, ExpStatSN);
        }

        public static LogoutRequestHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.LogoutRequest);
            return new LogoutRequestHeader
            {
                Immediate = Bhs.IsImmediate(bhs),
                Reason = (LogoutReason)(bhs[1] & 0x7F),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                ConnectionId = Bhs.U16(bhs, 20),
                CmdSN = Bhs.U32(bhs, 24),
                ExpStatSN = Bhs.U32(bhs, 28),
            };
        }
    }
}
