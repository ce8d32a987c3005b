using System;

namespace IscsiDhcp.Scsi
{
    /// <summary>How a SCSI command ended: its status, sense data, and how much data moved.</summary>
    public readonly struct ScsiCommandResult
    {
        public ScsiCommandResult(byte status, byte[] sense, int bytesTransferred, bool underflow, bool overflow, uint residualCount)
        {
            Status = status;
            Sense = sense;
            BytesTransferred = bytesTransferred;
            Underflow = underflow;
            Overflow = overflow;
            ResidualCount = residualCount;
        }

        /// <summary>SCSI status: 0x00 GOOD, 0x02 CHECK CONDITION, 0x08 BUSY, 0x18 RESERVATION CONFLICT, 0x28 TASK SET FULL.</summary>
        public byte Status { get; }
        public byte[] Sense { get; }
        public int BytesTransferred { get; }
        /// <summary>The target moved less than the expected length (ResidualCount bytes less).</summary>
        public bool Underflow { get; }
        /// <summary>The target had more than the expected length (ResidualCount bytes more).</summary>
        public bool Overflow { get; }
        public uint ResidualCount { get; }

        public bool IsGood => Status == 0;
    }
}
