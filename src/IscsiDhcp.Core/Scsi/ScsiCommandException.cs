using System;

namespace IscsiDhcp.Scsi
{
    /// <summary>A SCSI command ended with a status other than GOOD; the sense data says why.</summary>
    public sealed class ScsiCommandException : Exception
    {
        public ScsiCommandException(string command, byte status, ScsiSense? sense)
            : base($"{command} failed: {StatusName(status)}{(sense is { } s ? ", " + s : "")}")
        {
            Command = command;
            Status = status;
            Sense = sense;
        }

        public string Command { get; }
        public byte Status { get; }
        public ScsiSense? Sense { get; }

        public static string StatusName(byte status) => status switch
        {
            0x00 => "GOOD",
            0x02 => "CHECK CONDITION",
            0x08 => "BUSY",
            0x18 => "RESERVATION CONFLICT",
            0x28 => "TASK SET FULL",
            0x30 => "ACA ACTIVE",
            0x40 => "TASK ABORTED",
            _ => $"status 0x{status:X2}",
        };
    }
}
