namespace IscsiDhcp.Scsi
{
    /// <summary>One designator of the Device Identification VPD page (0x83): NAA, EUI-64, T10 vendor id, SCSI name, ...</summary>
    public sealed class DeviceIdentifier
    {
        public DeviceIdentifier(byte codeSet, byte association, byte designatorType, string value)
        {
            CodeSet = codeSet;
            Association = association;
            DesignatorType = designatorType;
            Value = value;
        }

        /// <summary>1 binary (Value is hex), 2 ASCII, 3 UTF-8.</summary>
        public byte CodeSet { get; }
        /// <summary>0 the LUN, 1 the target port, 2 the target device.</summary>
        public byte Association { get; }
        /// <summary>1 T10 vendor id, 2 EUI-64, 3 NAA, 4 relative port, 8 SCSI name string, ...</summary>
        public byte DesignatorType { get; }
        public string Value { get; }

        public string TypeName => DesignatorType switch
        {
            0 => "VendorSpecific",
            1 => "T10",
            2 => "EUI64",
            3 => "NAA",
            4 => "RelativeTargetPort",
            5 => "TargetPortGroup",
            6 => "LogicalUnitGroup",
            7 => "MD5",
            8 => "ScsiName",
            _ => $"Type{DesignatorType}",
        };

        public override string ToString() => $"{TypeName}: {Value}";
    }
}
