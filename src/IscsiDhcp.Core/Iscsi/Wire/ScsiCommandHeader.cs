using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>SCSI Command BHS (RFC 7143 section 11.3); the CDB is at most 16 bytes here (longer CDBs need an AHS we do not send).</summary>
    public readonly struct ScsiCommandHeader
    {
        public const int MaxCdbLength = 16;

        public bool Immediate { get; init; }
        public bool Final { get; init; }
        public bool Read { get; init; }
        public bool Write { get; init; }
        /// <summary>Task attribute (0 untagged, 1 simple, 2 ordered, 3 head of queue, 4 ACA).</summary>
        public byte Attributes { get; init; }
        public ulong Lun { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint ExpectedDataTransferLength { get; init; }
        public uint CmdSN { get; init; }
        public uint ExpStatSN { get; init; }
        public int DataSegmentLength { get; init; }

        public void WriteTo(Span<byte> bhs, ReadOnlySpan<byte> cdb)
        {
            if (cdb.Length > MaxCdbLength) throw new ArgumentException($"CDB of {cdb.Length} bytes is longer than {MaxCdbLength}", nameof(cdb));
            var flags = (byte)((Final ? 0x80 : 0) | (Read ? 0x40 : 0) | (Write ? 0x20 : 0) | (Attributes & 7));
            Bhs.Begin(bhs, IscsiOpcode.ScsiCommand, Immediate, flags, DataSegmentLength);
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, ExpectedDataTransferLength);
            Bhs.Put(bhs, 24, CmdSN);
            Bhs.Put(bhs, 28, ExpStatSN);
            cdb.CopyTo(bhs.Slice(32));
        }

        public static ScsiCommandHeader ReadFrom(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.ScsiCommand);
            return new ScsiCommandHeader
            {
                Immediate = Bhs.IsImmediate(bhs),
                Final = (bhs[1] & 0x80) != 0,
                Read = (bhs[1] & 0x40) != 0,
                Write = (bhs[1] & 0x20) != 0,
                Attributes = (byte)(bhs[1] & 7),
                Lun = Bhs.U64(bhs, 8),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                ExpectedDataTransferLength = Bhs.U32(bhs, 20),
                CmdSN = Bhs.U32(bhs, 24),
                ExpStatSN = Bhs.U32(bhs, 28),
                DataSegmentLength = Bhs.DataSegmentLength(bhs),
            };
        }

        public static ReadOnlySpan<byte> Cdb(ReadOnlySpan<byte> bhs) => bhs.Slice(32, MaxCdbLength);
    }
}
