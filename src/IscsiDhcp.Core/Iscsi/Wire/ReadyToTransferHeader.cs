using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>R2T BHS (RFC 7143 section 11.8): the target asks for DesiredDataTransferLength bytes from BufferOffset.</summary>
    public readonly struct ReadyToTransferHeader
    {
        public ulong Lun { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint TargetTransferTag { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }
        public uint R2TSN { get; init; }
        public uint BufferOffset { get; init; }
        public uint DesiredDataTransferLength { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.ReadyToTransfer, immediate: false, 0x80, 0);
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, TargetTransferTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
            Bhs.Put(bhs, 36, R2TSN);
            Bhs.Put(bhs, 40, BufferOffset);
            Bhs.Put(bhs, 44, DesiredDataTransferLength);
        }

        public static ReadyToTransferHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.ReadyToTransfer);
            return new ReadyToTransferHeader
            {
                Lun = Bhs.U64(bhs, 8),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                TargetTransferTag = Bhs.U32(bhs, 20),
                StatSN = Bhs.U32(bhs, 24),
                ExpCmdSN = Bhs.U32(bhs, 28),
                MaxCmdSN = Bhs.U32(bhs, 32),
                R2TSN = Bhs.U32(bhs, 36),
                BufferOffset = Bhs.U32(bhs, 40),
                DesiredDataTransferLength = Bhs.U32(bhs, 44),
            };
        }
    }
}
