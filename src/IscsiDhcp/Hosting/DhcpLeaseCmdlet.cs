using System.Management.Automation;
using IscsiDhcp.Operations.Leases;

namespace IscsiDhcp.Hosting
{
    /// <summary>A cmdlet that works on leases: by interface name (wildcards) and client id, both bound by property name so leases pipe in.</summary>
    public abstract class DhcpLeaseCmdlet : OperationCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(LeaseInterfaceNameCompleter))]
        public string[]? InterfaceName { get; set; }

        /// <summary>For several virtual clients on one interface: which one (hex bytes, as Get-DhcpLease shows it).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        protected void Fill(DhcpLeaseSelector selector)
        {
            selector.InterfaceName = InterfaceName;
            selector.ClientId = ClientId;
        }
    }
}
