using System;
using System.Threading.Tasks;
using IscsiDhcp.Agent;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Operations.Agents
{
    /// <summary>
    /// Register-IscsiSession: makes a session the agent holds persistent: the agent stores it
    /// (root-only, CHAP secrets included) and logs it in whenever it starts. A session of the
    /// shell cannot be made persistent: it would still end with the shell.
    /// </summary>
    public sealed class RegisterIscsiSessionOperation
    {
        readonly RoutedService routes;

        public RegisterIscsiSessionOperation(RoutedService routes) => this.routes = routes;

        public string SessionIdentifier { get; set; } = "";

        public async Task RunAsync(ICommandHost host)
        {
            if (routes.Local.Holds(SessionIdentifier))
                throw new InvalidOperationException($"session {SessionIdentifier} lives in this shell and ends with it; connect it through the agent (Connect-IscsiTarget -IsPersistent) to keep it");
            var agent = await routes.RequireAgentAsync(host, "Register-IscsiSession", host.Cancellation).ConfigureAwait(false);
            if (!host.ShouldProcess($"session {SessionIdentifier}", "Register as persistent (logged in whenever the agent starts)")) return;
            host.WriteObject(await agent.RegisterSessionAsync(SessionIdentifier, host.Cancellation).ConfigureAwait(false));
        }
    }
}
