using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Leases;

namespace IscsiDhcp.Commands
{
    /// <summary>Test-DhcpLease: whether a lease is alive (dhcpagent's PING).</summary>
    [Cmdlet(VerbsDiagnostic.Test, "DhcpLease")]
    [OutputType(typeof(bool))]
    public sealed class TestDhcpLeaseCommand : DhcpLeaseCmdlet
    {
        protected override void ProcessRecord()
        {
            var operation = new TestDhcpLeaseOperation(Service.Leases);
            Fill(operation.Selector);
            Run(operation.RunAsync);
        }
    }
}
