using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Leases;

namespace IscsiDhcp.Commands
{
    /// <summary>Stop-DhcpLease: stop supervising a lease (DROP; the address stays), or give it back with -Release (RELEASE).</summary>
    [Cmdlet(VerbsLifecycle.Stop, "DhcpLease", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class StopDhcpLeaseCommand : DhcpLeaseCmdlet
    {
        [Parameter]
        public SwitchParameter Release { get; set; }

        protected override void ProcessRecord()
        {
            var operation = new StopDhcpLeaseOperation(Service.Leases) { Release = Release };
            Fill(operation.Selector);
            Run(operation.RunAsync);
        }
    }
}
