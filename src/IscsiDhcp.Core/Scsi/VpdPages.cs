using System;
using System.Collections.Generic;
using System.Text;

namespace IscsiDhcp.Scsi
{
    /// <summary>Parsers for the vital product data pages the initiator reads (SPC-4 section 7.8).</summary>
    public static class VpdPages
    {
        public const byte SupportedPages = 0x00, UnitSerialNumber = 0x80, DeviceIdentification = 0x83, BlockLimits = 0xB0, LogicalBlockProvisioning = 0xB2;

        /// <summary>The Block Limits page (SBC-3 6.6.3): transfer and UNMAP limits, in blocks (0: not reported).</summary>
        public static BlockLimits ParseBlockLimits(ReadOnlySpan<byte> page)
        {
            var body = Body(page, BlockLimits);
            // Fields are at page offsets 8.. (body offsets 4..); a short page leaves the rest unreported.
            return new BlockLimits(At(body, 8), At(body, 12), At(body, 20), At(body, 24));
        }

        static uint At(ReadOnlySpan<byte> body, int pageOffset) =>
            body.Length >= pageOffset ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.Slice(pageOffset - 4)) : 0;

        /// <summary>The Logical Block Provisioning page (SBC-3 6.6.4): whether the LUN takes UNMAP (LBPU).</summary>
        public static bool ParseUnmapSupported(ReadOnlySpan<byte> page)
        {
            var body = Body(page, LogicalBlockProvisioning);
            return body.Length >= 2 && (body[1] & 0x80) != 0;
        }

        public static IReadOnlyList<byte> ParseSupportedPages(ReadOnlySpan<byte> page)
        {
            var body = Body(page, SupportedPages);
            return body.ToArray();
        }

        public static string ParseSerialNumber(ReadOnlySpan<byte> page) => InquiryData.Ascii(Body(page, UnitSerialNumber)).Trim();

        public static IReadOnlyList<DeviceIdentifier> ParseDeviceIdentification(ReadOnlySpan<byte> page)
        {
            var body = Body(page, DeviceIdentification);
            var list = new List<DeviceIdentifier>();
            while (body.Length >= 4)
            {
                var length = body[3];
                if (4 + length > body.Length) throw new FormatException("a designator runs past the Device Identification page");
                var value = body.Slice(4, length);
                var codeSet = (byte)(body[0] & 0x0F);
                var text = codeSet == 1 ? Hex(value) : Encoding.UTF8.GetString(value.ToArray()).TrimEnd('\0', ' ');
                list.Add(new DeviceIdentifier(codeSet, (byte)((body[1] >> 4) & 3), (byte)(body[1] & 0x0F), text));
                body = body.Slice(4 + length);
            }
            return list;
        }

        static ReadOnlySpan<byte> Body(ReadOnlySpan<byte> page, byte code)
        {
            if (page.Length < 4) throw new FormatException($"VPD page 0x{code:X2} is shorter than its header");
            if (page[1] != code) throw new FormatException($"asked for VPD page 0x{code:X2}, got 0x{page[1]:X2}");
            var length = (page[2] << 8) | page[3];
            return page.Slice(4, Math.Min(length, page.Length - 4));
        }

        static string Hex(ReadOnlySpan<byte> bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return sb.ToString();
        }
    }
}
