using System;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Supervisor;
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

        public static async Task<ScsiDevice> CheckAsync(IIscsiDhcpService service, IscsiSessionStatus session, int lun, CancellationToken cancel)
        {
            var transport = await service.OpenTransportAsync(session.SessionIdentifier, cancel).ConfigureAwait(false);
            var device = new ScsiDevice(transport, lun);
            InquiryData inquiry;
            try
            {
                inquiry = await device.InquiryAsync(cancel).ConfigureAwait(false);
            }
            catch (ScsiCommandException e) when (IsNoSuchLun(e))
            {
                throw new IscsiLunNotFoundException(session.TargetNodeAddress, lun, e);
            }
            if (inquiry.PeripheralQualifier == NoDeviceQualifier) throw new IscsiLunNotFoundException(session.TargetNodeAddress, lun);
            if (inquiry.DeviceType != DirectAccessBlockDevice)
                throw new IscsiLunNotBlockDeviceException(session.TargetNodeAddress, lun, DeviceTypeName(inquiry.DeviceType), inquiry.DeviceType);
            return device;
        }

        /// <summary>A checked block device with its capacity.</summary>
        public static async Task<(ScsiDevice Device, LunCapacity Capacity)> OpenAsync(IIscsiDhcpService service, IscsiSessionStatus session, int lun, CancellationToken cancel)
        {
            var device = await CheckAsync(service, session, lun, cancel).ConfigureAwait(false);
            try
            {
                return (device, await device.ReadCapacityAsync(cancel).ConfigureAwait(false));
            }
            catch (ScsiCommandException e) when (IsNoSuchLun(e))
            {
                throw new IscsiLunNotFoundException(session.TargetNodeAddress, lun, e);   // removed meanwhile
            }
        }

        /// <summary>A stream over a checked block device.</summary>
        public static async Task<LunStream> OpenStreamAsync(IIscsiDhcpService service, IscsiSessionStatus session, int lun, bool writable, CancellationToken cancel)
        {
            var (device, capacity) = await OpenAsync(service, session, lun, cancel).ConfigureAwait(false);
            return new LunStream(device, capacity, writable);
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
