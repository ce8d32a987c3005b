using System.Management.Automation;
using IscsiDhcp.Agent;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Agents;

namespace IscsiDhcp.Commands
{
    [Cmdlet(VerbsCommon.Get, "IscsiDhcpAgent")]
    [OutputType(typeof(AgentStatus))]
    public sealed class GetIscsiDhcpAgentCommand : OperationCmdlet
    {
        protected override void ProcessRecord() => RunItem(new GetAgentOperation(Routes).RunAsync);
    }
}
