using System;
using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>Disconnect-IscsiTarget: log sessions out (or drop them with -Force); one that fails does not stop the others. Naming none is an error, never "all".</summary>
    public sealed class DisconnectIscsiTargetOperation
    {
        readonly IIscsiDhcpService service;

        public DisconnectIscsiTargetOperation(IIscsiDhcpService service) => this.service = service;

        public IscsiSessionSelector Selector { get; } = new();
        /// <summary>Drop the connection at once, without logout or waiting for commands in flight.</summary>
        public bool Force { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            if (Selector.NodeAddress is null && Selector.SessionIdentifier is null && Selector.TargetPortalAddress is null)
                throw new ArgumentException("name the sessions to disconnect: -NodeAddress, -SessionIdentifier, or pipe them in");
            foreach (var session in await Selector.SelectAsync(service, host).ConfigureAwait(false))
            {
                var action = Force ? "Drop the session without logging out" : "Log out and close the session";
                if (!host.ShouldProcess($"{session.TargetNodeAddress} (session {session.SessionIdentifier})", action)) continue;
                try
                {
                    await service.DisconnectSessionAsync(session.SessionIdentifier, Force, host.Cancellation).ConfigureAwait(false);
                    host.WriteVerbose($"{session.TargetNodeAddress}: {(Force ? "dropped" : "logged out")}");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    host.WriteError(ErrorCatalog.Classify(e, session.SessionIdentifier));
                }
            }
        }
    }
}
