using System;

namespace IscsiDhcp.Scsi
{
    /// <summary>Sense data (SPC-4 section 4.5), fixed (0x70/0x71) or descriptor (0x72/0x73) format.</summary>
    public readonly struct ScsiSense
    {
        public ScsiSense(byte senseKey, byte asc, byte ascq, bool deferred)
        {
            SenseKey = senseKey;
            AdditionalSenseCode = asc;
            AdditionalSenseCodeQualifier = ascq;
            Deferred = deferred;
        }

        public byte SenseKey { get; }
        public byte AdditionalSenseCode { get; }
        public byte AdditionalSenseCodeQualifier { get; }
        public bool Deferred { get; }

        public const byte NoSense = 0x0, RecoveredError = 0x1, NotReady = 0x2, MediumError = 0x3, HardwareError = 0x4,
            IllegalRequest = 0x5, UnitAttention = 0x6, DataProtect = 0x7, AbortedCommand = 0xB;

        /// <summary>Parses sense bytes; null when there are none or they are of an unknown format.</summary>
        public static ScsiSense? Parse(ReadOnlySpan<byte> sense)
        {
            if (sense.Length < 1) return null;
            var code = sense[0] & 0x7F;
            switch (code)
            {
                case 0x70:
                case 0x71:
                    if (sense.Length < 3) return null;
                    return new ScsiSense((byte)(sense[2] & 0x0F), sense.Length > 12 ? sense[12] : (byte)0, sense.Length > 13 ? sense[13] : (byte)0, code == 0x71);
                case 0x72:
                case 0x73:
                    if (sense.Length < 4) return null;
                    return new ScsiSense((byte)(sense[1] & 0x0F), sense[2], sense[3], code == 0x73);
                default:
                    return null;
            }
        }

        public string KeyName => SenseKey switch
        {
            NoSense => "NO SENSE",
            RecoveredError => "RECOVERED ERROR",
            NotReady => "NOT READY",
            MediumError => "MEDIUM ERROR",
            HardwareError => "HARDWARE ERROR",
            IllegalRequest => "ILLEGAL REQUEST",
            UnitAttention => "UNIT ATTENTION",
            DataProtect => "DATA PROTECT",
            AbortedCommand => "ABORTED COMMAND",
            _ => $"sense key 0x{SenseKey:X}",
        };

        public override string ToString() => $"{KeyName} (ASC 0x{AdditionalSenseCode:X2}, ASCQ 0x{AdditionalSenseCodeQualifier:X2})";
    }
}
