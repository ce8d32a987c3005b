using System;

namespace IscsiDhcp.Scsi
{
    /// <summary>LUN numbers to and from the 8-byte SAM LUN field (peripheral addressing below 256, flat space up to 16383).</summary>
    public static class ScsiLun
    {
        public const int MaxLun = 16383;

        public static ulong Encode(int lun)
        {
            if (lun < 0 || lun > MaxLun) throw new ArgumentOutOfRangeException(nameof(lun), lun, $"a LUN is 0 to {MaxLun}");
            return lun < 256 ? (ulong)lun << 48 : ((ulong)(0x4000 | lun)) << 48;
        }

        /// <summary>The LUN number of a REPORT LUNS entry, or -1 for an addressing method we do not handle.</summary>
        public static int Decode(ulong field)
        {
            var first = (int)(field >> 48);
            return (first >> 14) switch
            {
                0 => (first >> 8) == 0 ? first & 0xFF : -1,
                1 => first & 0x3FFF,
                _ => -1,
            };
        }
    }
}
