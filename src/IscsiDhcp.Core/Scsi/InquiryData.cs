using System;
using System.Text;

namespace IscsiDhcp.Scsi
{
    /// <summary>Standard INQUIRY data (SPC-4 section 6.4.2): what kind of device a LUN is and who made it.</summary>
    public sealed class InquiryData
    {
        InquiryData(byte peripheralQualifier, byte deviceType, bool removable, byte version, string vendor, string product, string revision)
        {
            PeripheralQualifier = peripheralQualifier;
            DeviceType = deviceType;
            Removable = removable;
            Version = version;
            Vendor = vendor;
            Product = product;
            Revision = revision;
        }

        /// <summary>0: a device is connected at this LUN; 1: supported but not connected; 3: no device.</summary>
        public byte PeripheralQualifier { get; }
        /// <summary>0x00 direct access (disk), 0x05 CD/DVD, 0x0C storage array controller, ...</summary>
        public byte DeviceType { get; }
        public bool Removable { get; }
        public byte Version { get; }
        public string Vendor { get; }
        public string Product { get; }
        public string Revision { get; }

        public static InquiryData Parse(ReadOnlySpan<byte> data)
        {
            if (data.Length < 36) throw new FormatException($"standard INQUIRY data is at least 36 bytes, got {data.Length}");
            return new InquiryData((byte)(data[0] >> 5), (byte)(data[0] & 0x1F), (data[1] & 0x80) != 0, data[2],
                Ascii(data.Slice(8, 8)), Ascii(data.Slice(16, 16)), Ascii(data.Slice(32, 4)));
        }

        internal static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd(' ', '\0');
    }
}
