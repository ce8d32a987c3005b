using System;
using System.Threading.Tasks;
using IscsiDhcp.Agent;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Operations.Agents
{
    /// <summary>
    /// New-IscsiTargetPortal: the agent keeps a portal (address, initiator name, digests, CHAP
    /// user names and secrets) in its root-only store, once a SendTargets discovery there has
    /// worked with those settings. Portals are the agent's, so this starts it when none runs.
    /// </summary>
    public sealed class NewIscsiTargetPortalOperation
    {
        readonly RoutedService routes;

        public NewIscsiTargetPortalOperation(RoutedService routes) => this.routes = routes;

        public string TargetPortalAddress { get; set; } = "";
        public int TargetPortalPortNumber { get; set; } = TargetAddress.DefaultPort;
        public IscsiLoginParameters Login { get; } = new();
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

        public async Task RunAsync(ICommandHost host)
        {
            var portal = IscsiPortal.From(TargetPortalAddress, TargetPortalPortNumber);
            var settings = Login.ToSettings(null);
            try
            {
                if (!host.ShouldProcess($"{portal}", "Discover there and keep the portal in the agent")) return;
                var agent = await routes.RequireAgentAsync(host, "New-IscsiTargetPortal", host.Cancellation).ConfigureAwait(false);
                host.WriteVerbose($"SendTargets=All at {portal} as {settings.InitiatorName}, within {Timeout.TotalSeconds:0.#} s");
                var request = new IscsiSessionRequest(portal, settings);
                host.WriteObject(await agent.AddPortalAsync(request, Timeout, host.Cancellation).ConfigureAwait(false));
            }
            finally
            {
                settings.Credential?.Dispose();
                settings.TargetCredential?.Dispose();
            }
        }
    }
}
