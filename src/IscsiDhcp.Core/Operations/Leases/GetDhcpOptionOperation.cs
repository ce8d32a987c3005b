using System;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Operations.Leases
{
    /// <summary>
    /// Get-DhcpOption: dhcpagent's GET_TAG: an option of the current ACK (by code or name),
    /// falling back to the original ACK as dhcpagent does; a vendor-specific sub-option; or a
    /// BOOTP header field.
    /// </summary>
    public sealed class GetDhcpOptionOperation
    {
        readonly IDhcpService service;

        public GetDhcpOptionOperation(IDhcpService service) => this.service = service;

        public DhcpLeaseSelector Selector { get; } = new();
        public int? Code { get; set; }
        public string? Name { get; set; }
        public int? VendorCode { get; set; }
        public string? Field { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            var asked = (Code is null ? 0 : 1) + (Name is null ? 0 : 1) + (VendorCode is null ? 0 : 1) + (Field is null ? 0 : 1);
            if (asked != 1) throw new ArgumentException("name exactly one of -Code, -Name, -VendorCode or -Field");
            if (Code is < 1 or > 254) throw new ArgumentException($"-Code {Code} is not an option code (1 to 254)");
            if (VendorCode is < 1 or > 254) throw new ArgumentException($"-VendorCode {VendorCode} is not a sub-option code (1 to 254)");
            // Checked before any lease is read: a wrong name is wrong whatever the leases.
            if (Name is not null && DhcpOptionRegistry.CodeOf(Name) is null)
                throw DhcpArgumentException.Invalid("Name", "DhcpUnknownOptionName", $"-Name {Name}: not a DHCP option name this module knows; give the option's number with -Code");
            foreach (var lease in await Selector.SelectAsync(service, host).ConfigureAwait(false))
            {
                try
                {
                    host.WriteObject(await ReadAsync(lease.Key, host.Cancellation).ConfigureAwait(false));
                }
                catch (Exception e) when (e is not ArgumentException)
                {
                    host.WriteError(ErrorCatalog.Classify(e, lease.InterfaceName));
                }
            }
        }

        async Task<DhcpOption> ReadAsync(DhcpLeaseKey lease, System.Threading.CancellationToken cancel)
        {
            var interfaceName = lease.InterfaceName;
            if (Field is not null)
            {
                var text = await service.GetFieldAsync(lease, Field, cancel).ConfigureAwait(false);
                return new DhcpOption { InterfaceName = interfaceName, Field = Field.ToLowerInvariant(), Name = Field.ToLowerInvariant(), Value = text, Text = text };
            }
            if (VendorCode is { } sub)
                return Describe(interfaceName, (byte)DhcpOptionCode.VendorSpecific, sub, await service.GetVendorOptionAsync(lease, (byte)sub, cancel).ConfigureAwait(false));
            var code = Code is { } number ? (byte)number : DhcpOptionRegistry.CodeOf(Name!) ?? throw new ArgumentException($"'{Name}' is not a DHCP option name");
            return Describe(interfaceName, code, null, await service.GetOptionAsync(lease, code, cancel).ConfigureAwait(false));
        }

        static DhcpOption Describe(string interfaceName, byte code, int? vendorCode, byte[] value)
        {
            object decoded;
            try { decoded = vendorCode is null ? DhcpOptionRegistry.Decode(code, value) : value; }
            catch (DhcpFormatException) { decoded = value; }
            return new DhcpOption
            {
                InterfaceName = interfaceName,
                Code = code,
                VendorCode = vendorCode,
                Name = vendorCode is null ? DhcpOptionRegistry.NameOf(code) : $"{DhcpOptionRegistry.NameOf(code)} {vendorCode}",
                Value = decoded,
                Text = vendorCode is null ? DhcpOptionRegistry.Format(code, value) : BitConverter.ToString(value),
                Raw = value,
            };
        }
    }
}
