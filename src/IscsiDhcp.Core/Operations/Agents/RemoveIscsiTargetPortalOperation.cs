using System;
using System.Threading.Tasks;
using IscsiDhcp.Agent;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Operations.Agents
{
    /// <summary>
    /// Remove-IscsiTargetPortal: the agent forgets a portal and its secrets. Sessions logged
    /// in through it stay as they are (Windows' cmdlet behaves the same).
    /// </summary>
    public sealed class RemoveIscsiTargetPortalOperation
    {
        readonly RoutedService routes;

        public RemoveIscsiTargetPortalOperation(RoutedService routes) => this.routes = routes;

        public string TargetPortalAddress { get; set; } = "";
        public int TargetPortalPortNumber { get; set; } = TargetAddress.DefaultPort;

        public async Task RunAsync(ICommandHost host)
        {
            var agent = await routes.FindAgentAsync(host.Cancellation).ConfigureAwait(false)
                ?? throw new AgentUnavailableException($"no IscsiDhcp agent runs on {AgentEndpoint.SocketPath}; target portals are the agent's: start it with Start-IscsiDhcpAgent");
            var portal = IscsiPortal.From(TargetPortalAddress, TargetPortalPortNumber);
            var name = portal.ToString();
            if (!host.ShouldProcess(name, "Remove the target portal and its CHAP secrets from the agent")) return;
            if (!await agent.RemovePortalAsync(portal.Host, portal.Port, host.Cancellation).ConfigureAwait(false))
                host.WriteError(new OperationError(new ArgumentException($"the agent keeps no target portal at {name}"), ErrorKind.ObjectNotFound,
                    "IscsiTargetPortalNotFound", name));
        }
    }
}
