using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Agents;

namespace IscsiDhcp.Commands
{
    [Cmdlet(VerbsLifecycle.Stop, "IscsiDhcpAgent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class StopIscsiDhcpAgentCommand : OperationCmdlet
    {
        protected override void ProcessRecord() => Run(new StopAgentOperation(Routes).RunAsync);
    }
}
