using System;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>A LUN that is not a block device (a controller, an enclosure, a tape...): nothing to read, write or measure in blocks.</summary>
    public sealed class IscsiLunNotBlockDeviceException : Exception
    {
        public IscsiLunNotBlockDeviceException(string targetName, int lun, string deviceType, byte peripheralType)
            : base($"LUN {lun} of {targetName} is a {deviceType} (SCSI peripheral device type 0x{peripheralType:X2}), not a block device")
        {
            TargetName = targetName;
            Lun = lun;
            DeviceType = deviceType;
        }

        public string TargetName { get; }
        public int Lun { get; }
        public string DeviceType { get; }
    }
}
