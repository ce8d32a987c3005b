using System;

namespace IscsiDhcp.Link
{
    /// <summary>The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words.</summary>
    public static class InternetChecksum
    {
        /// <summary>Adds <paramref name="data"/> to a running sum (big-endian words; an odd last byte is padded with zero).</summary>
        public static uint Add(uint sum, ReadOnlySpan<byte> data)
        {
            var i = 0;
            for (; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
            if (i < data.Length) sum += (uint)(data[i] << 8);
            return sum;
        }

        /// <summary>Folds the carries of a running sum and complements it.</summary>
        public static ushort Finish(uint sum)
        {
            while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
            return (ushort)~sum;
        }

        public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));
    }
}
