using System;
using System.Management.Automation;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Leases;

namespace IscsiDhcp.Commands
{
    /// <summary>Update-DhcpLease: renew now (dhcpagent's EXTEND).</summary>
    [Cmdlet(VerbsData.Update, "DhcpLease", SupportsShouldProcess = true)]
    [OutputType(typeof(DhcpLeaseStatus))]
    public sealed class UpdateDhcpLeaseCommand : DhcpLeaseCmdlet
    {
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 30;

        protected override void ProcessRecord()
        {
            var operation = new UpdateDhcpLeaseOperation(Service.Leases) { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            Fill(operation.Selector);
            Run(operation.RunAsync);
        }
    }
}
