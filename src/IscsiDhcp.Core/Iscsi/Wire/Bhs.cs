using System;
using System.Buffers.Binary;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>
    /// The Basic Header Segment's common fields (RFC 7143 section 11.2.1): 48 bytes,
    /// opcode and immediate bit in byte 0, the final bit in byte 1, AHS length in
    /// 4-byte words at byte 4, a 24-bit data segment length at 5..7, the initiator
    /// task tag at 16..19. Everything else belongs to each PDU's own header type.
    /// </summary>
    public static class Bhs
    {
        public const int Length = 48;

        /// <summary>The task tag that means "no task" (unsolicited NOP-In, Async, Reject).</summary>
        public const uint ReservedTag = 0xFFFFFFFF;

        /// <summary>The largest data segment the 24-bit length field can describe.</summary>
        public const int MaxDataSegmentLength = 0xFFFFFF;

        public static IscsiOpcode Opcode(ReadOnlySpan<byte> bhs) => (IscsiOpcode)(bhs[0] & 0x3F);
        public static bool IsImmediate(ReadOnlySpan<byte> bhs) => (bhs[0] & 0x40) != 0;
        public static bool IsFinal(ReadOnlySpan<byte> bhs) => (bhs[1] & 0x80) != 0;
        public static int TotalAhsLength(ReadOnlySpan<byte> bhs) => bhs[4] * 4;
        public static int DataSegmentLength(ReadOnlySpan<byte> bhs) => (bhs[5] << 16) | (bhs[6] << 8) | bhs[7];
        public static uint InitiatorTaskTag(ReadOnlySpan<byte> bhs) => U32(bhs, 16);

        /// <summary>Bytes of padding after a data segment of <paramref name="length"/> bytes (segments end on 4-byte boundaries).</summary>
        public static int Padding(int length) => (4 - (length & 3)) & 3;

        /// <summary>Clears the header and writes the common fields.</summary>
        internal static void Begin(Span<byte> bhs, IscsiOpcode opcode, bool immediate, byte flags, int dataSegmentLength)
        {
            if ((uint)dataSegmentLength > MaxDataSegmentLength)
                throw new ArgumentOutOfRangeException(nameof(dataSegmentLength), dataSegmentLength, "a data segment holds at most 2^24-1 bytes");
            bhs = bhs.Slice(0, Length);
            bhs.Clear();
            bhs[0] = (byte)((byte)opcode | (immediate ? 0x40 : 0));
            bhs[1] = flags;
            bhs[5] = (byte)(dataSegmentLength >> 16);
            bhs[6] = (byte)(dataSegmentLength >> 8);
            bhs[7] = (byte)dataSegmentLength;
        }

        internal static void Expect(ReadOnlySpan<byte> bhs, IscsiOpcode opcode)
        {
            if (bhs.Length < Length) throw new IscsiProtocolException($"a header is {Length} bytes, got {bhs.Length}");
            if (Opcode(bhs) != opcode) throw new IscsiProtocolException($"expected a {opcode} PDU, got opcode 0x{(byte)Opcode(bhs):X2}");
        }

        internal static uint U32(ReadOnlySpan<byte> bhs, int offset) => BinaryPrimitives.ReadUInt32BigEndian(bhs.Slice(offset));
        internal static ushort U16(ReadOnlySpan<byte> bhs, int offset) => BinaryPrimitives.ReadUInt16BigEndian(bhs.Slice(offset));
        internal static ulong U64(ReadOnlySpan<byte> bhs, int offset) => BinaryPrimitives.ReadUInt64BigEndian(bhs.Slice(offset));
        internal static void Put(Span<byte> bhs, int offset, uint value) => BinaryPrimitives.WriteUInt32BigEndian(bhs.Slice(offset), value);
        internal static void Put(Span<byte> bhs, int offset, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(bhs.Slice(offset), value);
        internal static void Put(Span<byte> bhs, int offset, ulong value) => BinaryPrimitives.WriteUInt64BigEndian(bhs.Slice(offset), value);
    }
}
