using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Login Request BHS (RFC 7143 section 11.12). Always immediate.</summary>
    public readonly struct LoginRequestHeader
    {
        public bool Transit { get; init; }
        public bool Continue { get; init; }
        public LoginStage CurrentStage { get; init; }
        public LoginStage NextStage { get; init; }
        public byte VersionMax { get; init; }
        public byte VersionMin { get; init; }
        public ulong Isid { get; init; }
        public ushort Tsih { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public ushort ConnectionId { get; init; }
        public uint CmdSN { get; init; }
        public uint ExpStatSN { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            var flags = (byte)((Transit ? 0x80 : 0) | (Continue ? 0x40 : 0) | ((byte)CurrentStage << 2) | (Transit ? (byte)NextStage : 0));
            Bhs.Begin(bhs, IscsiOpcode.LoginRequest, immediate: true, flags, DataSegmentLength);
            bhs[2] = VersionMax;
            bhs[3] = VersionMin;
            Bhs.Put(bhs, 8, (Isid << 16) | Tsih);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, ConnectionId);
            Bhs.Put(bhs, 24, CmdSN);
            Bhs.Put(bhs, 28, ExpStatSN);
        }

        public static LoginRequestHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.LoginRequest);
            return new LoginRequestHeader
            {
                Transit = (bhs[1] & 0x80) != 0,
                Continue = (bhs[1] & 0x40) != 0,
                CurrentStage = (LoginStage)((bhs[1] >> 2) & 3),
                NextStage = (LoginStage)(bhs[1] & 3),
                VersionMax = bhs[2],
                VersionMin = bhs[3],
                Isid = Bhs.U64(bhs, 8) >> 16,
                Tsih = Bhs.U16(bhs, 14),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                ConnectionId = Bhs.U16(bhs, 20),
                CmdSN = Bhs.U32(bhs, 24),
                ExpStatSN = Bhs.U32(bhs, 28),
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }
    }
}
