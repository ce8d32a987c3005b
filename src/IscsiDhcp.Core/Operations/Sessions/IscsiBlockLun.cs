using System;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// The LUN a cmdlet reads, writes or measures in blocks, checked first: one that does not
    /// exist, or is not a block device (tgtd's LUN 0 is a controller), is refused with an error
    /// that names it and says why, never with raw sense data from READ CAPACITY.
    /// </summary>
    static class IscsiBlockLun
    {
        const byte DirectAccessBlockDevice = 0x00;
        // SPC-4: peripheral qualifier 011b, "the device server is not capable of supporting a device on this logical unit".
        const byte NoDeviceQualifier = 0x03;
        // SPC-4 ASC 0x25: LOGICAL UNIT NOT SUPPORTED.
        const byte LogicalUnitNotSupported = 0x25;

        public static async Task<ScsiDevice> CheckAsync(IScsiTransport transport, string targetNodeAddress, int lun, CancellationToken cancel)
        {
            var device = new ScsiDevice(transport, lun);
            InquiryData inquiry;
            try
            {
                inquiry = await device.InquiryAsync(cancel).ConfigureAwait(false);
            }
            catch (ScsiCommandException e) when (IsNoSuchLun(e))
            {
                throw new IscsiLunNotFoundException(targetNodeAddress, lun, e);
            }
            if (inquiry.PeripheralQualifier == NoDeviceQualifier) throw new IscsiLunNotFoundException(targetNodeAddress, lun);
            if (inquiry.DeviceType != DirectAccessBlockDevice)
                throw new IscsiLunNotBlockDeviceException(targetNodeAddress, lun, DeviceTypeName(inquiry.DeviceType), inquiry.DeviceType);
            return device;
        }

        /// <summary>A checked block device with its capacity, through SCSI commands on <paramref name="transport"/>.</summary>
        public static async Task<(ScsiDevice Device, LunCapacity Capacity)> OpenAsync(IScsiTransport transport, string targetNodeAddress, int lun, CancellationToken cancel)
        {
            var device = await CheckAsync(transport, targetNodeAddress, lun, cancel).ConfigureAwait(false);
            try
            {
                return (device, await device.ReadCapacityAsync(cancel).ConfigureAwait(false));
            }
            catch (ScsiCommandException e) when (IsNoSuchLun(e))
            {
                throw new IscsiLunNotFoundException(targetNodeAddress, lun, e);   // removed meanwhile
            }
        }

        public static bool IsNoSuchLun(ScsiCommandException e) =>
            e.Sense is { SenseKey: ScsiSense.IllegalRequest, AdditionalSenseCode: LogicalUnitNotSupported };

        public static string DeviceTypeName(byte type) => type switch
        {
            0x00 => "Disk",
            0x01 => "Tape",
            0x05 => "Cdrom",
            0x07 => "OpticalMemory",
            0x08 => "MediumChanger",
            0x0C => "StorageArrayController",
            0x0D => "Enclosure",
            0x1F => "Unknown",
            _ => $"Type0x{type:X2}",
        };
    }
}
