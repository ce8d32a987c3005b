namespace IscsiDhcp.Operations.Leases
{
    /// <summary>What Get-DhcpOption returns: one option (or vendor sub-option, or BOOTP field) of a lease, decoded and raw.</summary>
    public sealed class DhcpOption
    {
        public string InterfaceName { get; internal set; } = "";
        /// <summary>The option code; for a vendor sub-option, 43.</summary>
        public int? Code { get; internal set; }
        /// <summary>The vendor-specific (43) sub-option code.</summary>
        public int? VendorCode { get; internal set; }
        /// <summary>The BOOTP header field (siaddr, file, ...).</summary>
        public string? Field { get; internal set; }
        public string Name { get; internal set; } = "";
        /// <summary>Typed: IPAddress[], string, ClasslessRoute[], uint, ... as the registry decodes it; the bytes when it has no decoder.</summary>
        public object? Value { get; internal set; }
        public string Text { get; internal set; } = "";
        public byte[]? Raw { get; internal set; }
    }
}
