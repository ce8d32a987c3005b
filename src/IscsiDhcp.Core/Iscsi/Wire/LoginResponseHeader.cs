using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Login Response BHS (RFC 7143 section 11.13).</summary>
    public readonly struct LoginResponseHeader
    {
        public bool Transit { get; init; }
        public bool Continue { get; init; }
        public LoginStage CurrentStage { get; init; }
        public LoginStage NextStage { get; init; }
        public byte VersionMax { get; init; }
        public byte VersionActive { get; init; }
        public ulong Isid { get; init; }
        public ushort Tsih { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }
        public byte StatusClass { get; init; }
        public byte StatusDetail { get; init; }
        public int DataSegmentLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            var flags = (byte)((Transit ? 0x80 : 0) | (Continue ? 0x40 : 0) | ((byte)CurrentStage << 2) | (Transit ? (byte)NextStage : 0));
            Bhs.Begin(bhs, IscsiOpcode.LoginResponse, immediate: false, flags, DataSegmentLength);
            bhs[2] = VersionMax;
            bhs[3] = VersionActive;
            Bhs.Put(bhs, 8, (Isid << 16) | Tsih);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
            bhs[36] = StatusClass;
            bhs[37] = StatusDetail;
        }

        public static LoginResponseHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.LoginResponse);
            return new LoginResponseHeader
            {
                Transit = (bhs[1] & 0x80) != 0,
                Continue = (bhs[1] & 0x40) != 0,
                CurrentStage = (LoginStage)((bhs[1] >> 2) & 3),
                NextStage = (LoginStage)(bhs[1] & 3),
                VersionMax = bhs[2],
                VersionActive = bhs[3],
                Isid = Bhs.U64(bhs, 8) >> 16,
                Tsih = Bhs.U16(bhs, 14),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                StatSN = Bhs.U32(bhs, 24),
                ExpCmdSN = Bhs.U32(bhs, 28),
                MaxCmdSN = Bhs.U32(bhs, 32),
                StatusClass = bhs[36],
                StatusDetail = bhs[37],
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }
    }
}
