using System.Threading.Tasks;
using IscsiDhcp.Agent;

namespace IscsiDhcp.Operations.Agents
{
    /// <summary>Get-IscsiDhcpAgent: the host's agent, or an error saying none runs (and where it was looked for).</summary>
    public sealed class GetAgentOperation
    {
        readonly RoutedService routes;

        public GetAgentOperation(RoutedService routes) => this.routes = routes;

        public async Task RunAsync(ICommandHost host)
        {
            var agent = await routes.FindAgentAsync(host.Cancellation).ConfigureAwait(false)
                ?? throw new AgentUnavailableException($"no IscsiDhcp agent runs on {AgentEndpoint.SocketPath}; start one with Start-IscsiDhcpAgent");
            host.WriteObject(await agent.GetStatusAsync(host.Cancellation).ConfigureAwait(false));
        }
    }
}
