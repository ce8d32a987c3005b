using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Leases;

namespace IscsiDhcp.Commands
{
    /// <summary>Get-DhcpOption: an option, vendor sub-option or BOOTP field of a lease (dhcpagent's GET_TAG).</summary>
    [Cmdlet(VerbsCommon.Get, "DhcpOption", DefaultParameterSetName = ByCode)]
    [OutputType(typeof(DhcpOption))]
    public sealed class GetDhcpOptionCommand : DhcpLeaseCmdlet
    {
        const string ByCode = "ByCode";
        const string ByName = "ByName";
        const string ByVendorCode = "ByVendorCode";
        const string ByField = "ByField";

        [Parameter(Mandatory = true, ParameterSetName = ByCode)]
        [ValidateRange(1, 254)]
        public int Code { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ByName)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DhcpOptionNameCompleter))]
        public string Name { get; set; } = "";

        [Parameter(Mandatory = true, ParameterSetName = ByVendorCode)]
        [ValidateRange(1, 254)]
        public int VendorCode { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ByField)]
        [ValidateSet("siaddr", "giaddr", "ciaddr", "yiaddr", "sname", "file", "chaddr", "hops", "secs", "xid")]
        public string Field { get; set; } = "";

        protected override void ProcessRecord()
        {
            var operation = new GetDhcpOptionOperation(Service.Leases);
            switch (ParameterSetName)
            {
                case ByCode: operation.Code = Code; break;
                case ByName: operation.Name = Name; break;
                case ByVendorCode: operation.VendorCode = VendorCode; break;
                default: operation.Field = Field; break;
            }
            Fill(operation.Selector);
            Run(operation.RunAsync);
        }
    }
}
