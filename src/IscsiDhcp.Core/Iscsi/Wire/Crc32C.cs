using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>
    /// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the iSCSI header and data
    /// digest (RFC 7143 section 13.1). Slicing-by-8: it sits on the data path when
    /// DataDigest is on, so it handles eight bytes per step with eight lookup tables.
    /// </summary>
    public static class Crc32C
    {
        const uint Polynomial = 0x82F63B78;
        static readonly uint[] Table = BuildTable();

        static uint[] BuildTable()
        {
            var table = new uint[8 * 256];
            for (uint i = 0; i < 256; i++)
            {
                var crc = i;
                for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ Polynomial : crc >> 1;
                table[i] = crc;
            }
            for (var i = 0; i < 256; i++)
                for (var t = 1; t < 8; t++)
                    table[(t * 256) + i] = (table[((t - 1) * 256) + i] >> 8) ^ table[table[((t - 1) * 256) + i] & 0xFF];
            return table;
        }

        /// <summary>The CRC32C of <paramref name="data"/>.</summary>
        public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

        /// <summary>The state before any byte; feed it to <see cref="Append"/>, then <see cref="Finish"/>.</summary>
        public const uint Start = 0xFFFFFFFF;

        /// <summary>Folds more bytes into a running CRC state (for digests over several buffers).</summary>
        public static uint Append(uint state, ReadOnlySpan<byte> data)
        {
            var t = Table;
            var crc = state;
            while (data.Length >= 8)
            {
                var lo = crc ^ (uint)(data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24));
                crc = t[(7 * 256) + (lo & 0xFF)] ^ t[(6 * 256) + ((lo >> 8) & 0xFF)]
                    ^ t[(5 * 256) + ((lo >> 16) & 0xFF)] ^ t[(4 * 256) + (lo >> 24)]
                    ^ t[(3 * 256) + data[4]] ^ t[(2 * 256) + data[5]]
                    ^ t[256 + data[6]] ^ t[data[7]];
                data = data.Slice(8);
            }
            foreach (var b in data) crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }

        public static uint Finish(uint state) => ~state;
    }
}
