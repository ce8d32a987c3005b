using System;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>Find-IscsiTarget: SendTargets discovery at a portal; every target (or the one asked for) with its portals.</summary>
    public sealed class FindIscsiTargetOperation
    {
        readonly IIscsiDhcpService service;

        public FindIscsiTargetOperation(IIscsiDhcpService service) => this.service = service;

        public string TargetPortalAddress { get; set; } = "";
        public int TargetPortalPortNumber { get; set; } = TargetAddress.DefaultPort;
        /// <summary>Ask for this target only.</summary>
        public string? NodeAddress { get; set; }
        public IscsiLoginParameters Login { get; } = new();
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

        public async Task RunAsync(ICommandHost host)
        {
            var portal = IscsiPortal.From(TargetPortalAddress, TargetPortalPortNumber);
            var settings = Login.ToSettings(null);
            try
            {
                host.WriteVerbose($"SendTargets={NodeAddress ?? "All"} at {portal} as {settings.InitiatorName}");
                var targets = await service.DiscoverAsync(portal, settings, NodeAddress, Timeout, host.Cancellation).ConfigureAwait(false);
                if (NodeAddress is not null && targets.Count == 0)
                {
                    host.WriteError(new OperationError(new ArgumentException($"{portal} knows no target named {NodeAddress}"), ErrorKind.ObjectNotFound,
                        "IscsiTargetNotFound", NodeAddress));
                    return;
                }
                DiscoveredTargets.Shared.Record(targets);
                foreach (var target in targets) host.WriteObject(target);
            }
            finally
            {
                settings.Credential?.Dispose();
                settings.TargetCredential?.Dispose();
            }
        }
    }
}
