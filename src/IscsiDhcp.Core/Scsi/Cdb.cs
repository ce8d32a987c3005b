using System;
using System.Buffers.Binary;

namespace IscsiDhcp.Scsi
{
    /// <summary>CDBs of the commands the initiator uses (SPC-4, SBC-3).</summary>
    public static class Cdb
    {
        public static byte[] TestUnitReady() => new byte[6];

        public static byte[] Inquiry(ushort allocationLength, byte? vpdPage = null)
        {
            var cdb = new byte[6];
            cdb[0] = 0x12;
            if (vpdPage is { } page)
            {
                cdb[1] = 1;   // EVPD
                cdb[2] = page;
            }
            BinaryPrimitives.WriteUInt16BigEndian(cdb.AsSpan(3), allocationLength);
            return cdb;
        }

        public static byte[] ReportLuns(uint allocationLength)
        {
            var cdb = new byte[12];
            cdb[0] = 0xA0;
            BinaryPrimitives.WriteUInt32BigEndian(cdb.AsSpan(6), allocationLength);
            return cdb;
        }

        /// <summary>MODE SENSE(6) of every page (0x3F), block descriptors off: the header's device-specific byte carries WP.</summary>
        public static byte[] ModeSense6(byte allocationLength) => new byte[] { 0x1A, 0x08, 0x3F, 0, allocationLength, 0 };

        public static byte[] ReadCapacity10() => new byte[] { 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

        public static byte[] ReadCapacity16(uint allocationLength = 32)
        {
            var cdb = new byte[16];
            cdb[0] = 0x9E;
            cdb[1] = 0x10;   // SERVICE ACTION: READ CAPACITY(16)
            BinaryPrimitives.WriteUInt32BigEndian(cdb.AsSpan(10), allocationLength);
            return cdb;
        }

        /// <summary>READ(10) while the LBA fits 32 bits and the count 16 bits, READ(16) beyond.</summary>
        public static byte[] Read(ulong lba, uint blocks) => ToArray(Read(stackalloc byte[16], lba, blocks));

        /// <summary>READ(10) or READ(16) written into <paramref name="into"/> (16 bytes); returns the CDB's part of it.</summary>
        public static Span<byte> Read(Span<byte> into, ulong lba, uint blocks) => ReadWrite(into, 0x28, 0x88, lba, blocks);

        /// <summary>WRITE(10) while the LBA fits 32 bits and the count 16 bits, WRITE(16) beyond.</summary>
        public static byte[] Write(ulong lba, uint blocks) => ToArray(Write(stackalloc byte[16], lba, blocks));

        /// <summary>WRITE(10) or WRITE(16) written into <paramref name="into"/> (16 bytes); returns the CDB's part of it.</summary>
        public static Span<byte> Write(Span<byte> into, ulong lba, uint blocks) => ReadWrite(into, 0x2A, 0x8A, lba, blocks);

        static Span<byte> ReadWrite(Span<byte> into, byte op10, byte op16, ulong lba, uint blocks)
        {
            if (lba <= uint.MaxValue && blocks <= ushort.MaxValue)
            {
                var cdb = into.Slice(0, 10);
                cdb.Clear();
                cdb[0] = op10;
                BinaryPrimitives.WriteUInt32BigEndian(cdb.Slice(2), (uint)lba);
                BinaryPrimitives.WriteUInt16BigEndian(cdb.Slice(7), (ushort)blocks);
                return cdb;
            }
            var cdb16 = into.Slice(0, 16);
            cdb16.Clear();
            cdb16[0] = op16;
            BinaryPrimitives.WriteUInt64BigEndian(cdb16.Slice(2), lba);
            BinaryPrimitives.WriteUInt32BigEndian(cdb16.Slice(10), blocks);
            return cdb16;
        }

        static byte[] ToArray(Span<byte> cdb) => cdb.ToArray();

        public static byte[] SynchronizeCache10() => new byte[] { 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

        /// <summary>UNMAP (SBC-3 5.28) with a parameter list of <paramref name="parameterListLength"/> bytes (see <see cref="UnmapParameters"/>).</summary>
        public static byte[] Unmap(ushort parameterListLength)
        {
            var cdb = new byte[10];
            cdb[0] = 0x42;
            BinaryPrimitives.WriteUInt16BigEndian(cdb.AsSpan(7), parameterListLength);
            return cdb;
        }

        /// <summary>UNMAP's parameter list with one block descriptor: 8-byte header, then LBA, block count, 4 reserved bytes.</summary>
        public static byte[] UnmapParameters(ulong lba, uint blocks)
        {
            var list = new byte[8 + 16];
            BinaryPrimitives.WriteUInt16BigEndian(list, 6 + 16);           // UNMAP DATA LENGTH: the bytes after this field
            BinaryPrimitives.WriteUInt16BigEndian(list.AsSpan(2), 16);     // UNMAP BLOCK DESCRIPTOR DATA LENGTH
            BinaryPrimitives.WriteUInt64BigEndian(list.AsSpan(8), lba);
            BinaryPrimitives.WriteUInt32BigEndian(list.AsSpan(16), blocks);
            return list;
        }
    }
}
