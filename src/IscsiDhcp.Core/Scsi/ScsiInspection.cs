using System;

namespace IscsiDhcp.Scsi
{
    /// <summary>
    /// The SCSI commands that only describe a LUN and never move its data or change it: what
    /// the agent runs for any local caller so that Get-IscsiLun works on the sessions it holds
    /// (the data itself goes through the NBD export, with its privilege rule).
    /// </summary>
    public static class ScsiInspection
    {
        /// <summary>The most data one describing command may return through the agent.</summary>
        public const int MaxDataLength = 64 * 1024;

        const byte TestUnitReady = 0x00, Inquiry = 0x12, ModeSense6 = 0x1A, ReadCapacity10 = 0x25, ModeSense10 = 0x5A,
            ServiceActionIn16 = 0x9E, ReportLuns = 0xA0;
        const byte ReadCapacity16ServiceAction = 0x10;

        public static bool IsDescriptive(ReadOnlySpan<byte> cdb)
        {
            if (cdb.Length == 0) return false;
            return cdb[0] switch
            {
                TestUnitReady or Inquiry or ModeSense6 or ReadCapacity10 or ModeSense10 or ReportLuns => true,
                ServiceActionIn16 => cdb.Length > 1 && (cdb[1] & 0x1F) == ReadCapacity16ServiceAction,
                _ => false,
            };
        }
    }
}
