using System;
using System.Linq;
using System.Threading.Tasks;
using IscsiDhcp.Agent;
using IscsiDhcp.Common;

namespace IscsiDhcp.Operations.Agents
{
    /// <summary>
    /// Get-IscsiTargetPortal: the portals the agent keeps (every local user may list them; the
    /// CHAP secrets never leave the agent's store). A name without wildcards that matches
    /// nothing is an error; a wildcard that matches nothing is not.
    /// </summary>
    public sealed class GetIscsiTargetPortalOperation
    {
        readonly RoutedService routes;

        public GetIscsiTargetPortalOperation(RoutedService routes) => this.routes = routes;

        public string[]? TargetPortalAddress { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            var agent = await routes.FindAgentAsync(host.Cancellation).ConfigureAwait(false)
                ?? throw new AgentUnavailableException($"no IscsiDhcp agent runs on {AgentEndpoint.SocketPath}; target portals are the agent's: start it with Start-IscsiDhcpAgent");
            var portals = await agent.GetPortalsAsync(host.Cancellation).ConfigureAwait(false);
            if (TargetPortalAddress is not { Length: > 0 })
            {
                foreach (var portal in portals) host.WriteObject(portal);
                return;
            }
            foreach (var name in TargetPortalAddress)
            {
                var pattern = new GlobPattern(name);
                var hits = portals.Where(p => pattern.IsMatch(p.TargetPortalAddress)).ToList();
                if (hits.Count == 0 && !GlobPattern.HasWildcards(name))
                    host.WriteError(new OperationError(new ArgumentException($"the agent keeps no target portal at {name}"), ErrorKind.ObjectNotFound,
                        "IscsiTargetPortalNotFound", name));
                foreach (var hit in hits) host.WriteObject(hit);
            }
        }
    }
}
