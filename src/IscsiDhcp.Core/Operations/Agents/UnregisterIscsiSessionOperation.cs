using System;
using System.Linq;
using System.Threading.Tasks;
using IscsiDhcp.Agent;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Operations.Agents
{
    /// <summary>
    /// Unregister-IscsiSession: the agent no longer keeps the session (by its identifier, or
    /// by target while it is not logged in); a live one stays logged in until disconnected.
    /// </summary>
    public sealed class UnregisterIscsiSessionOperation
    {
        readonly RoutedService routes;

        public UnregisterIscsiSessionOperation(RoutedService routes) => this.routes = routes;

        public string? SessionIdentifier { get; set; }
        public string? NodeAddress { get; set; }
        public string? InitiatorName { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            var agent = await routes.FindAgentAsync(host.Cancellation).ConfigureAwait(false)
                ?? throw new AgentUnavailableException($"no IscsiDhcp agent runs on {AgentEndpoint.SocketPath}; persistent sessions are the agent's");
            string target, initiator;
            if (SessionIdentifier is { } id)
            {
                var session = (await agent.GetSessionsAsync(host.Cancellation).ConfigureAwait(false))
                    .FirstOrDefault(s => string.Equals(s.SessionIdentifier, id, StringComparison.OrdinalIgnoreCase)) ?? throw new IscsiSessionNotFoundException(id);
                target = session.TargetNodeAddress;
                initiator = session.InitiatorNodeAddress;
            }
            else
            {
                target = NodeAddress ?? throw new ArgumentException("name the session: -SessionIdentifier, or -NodeAddress");
                initiator = InitiatorName ?? LoginSettings.DefaultInitiatorName;
            }
            if (!host.ShouldProcess($"{target} as {initiator}", "Unregister the persistent session")) return;
            if (!await agent.UnregisterSessionAsync(target, initiator, host.Cancellation).ConfigureAwait(false))
                throw new IscsiSessionNotFoundException($"{target} as {initiator} (no persistent session)");
        }
    }
}
