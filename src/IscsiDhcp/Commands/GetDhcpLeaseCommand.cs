using System.Management.Automation;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Leases;

namespace IscsiDhcp.Commands
{
    /// <summary>Get-DhcpLease: each lease's status (dhcpagent's STATUS); all leases when none is named.</summary>
    [Cmdlet(VerbsCommon.Get, "DhcpLease")]
    [OutputType(typeof(DhcpLeaseStatus))]
    public sealed class GetDhcpLeaseCommand : DhcpLeaseCmdlet
    {
        protected override void ProcessRecord()
        {
            var operation = new GetDhcpLeaseOperation(Service.Leases);
            Fill(operation.Selector);
            Run(operation.RunAsync);
        }
    }
}
