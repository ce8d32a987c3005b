using System;
using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Dhcp
{
    /// <summary>
    /// Stop-DhcpLease: dhcpagent's DROP (stop supervising; the address stays, the lease stays on
    /// disk for INIT-REBOOT) or, with Release, its RELEASE (give the address back to the server).
    /// </summary>
    public sealed class StopDhcpLeaseOperation
    {
        readonly IIscsiDhcpService service;

        public StopDhcpLeaseOperation(IIscsiDhcpService service) => this.service = service;

        public DhcpLeaseSelector Selector { get; } = new();
        public bool Release { get; set; }

        public Task RunAsync(ICommandHost host)
        {
            if (Selector.InterfaceName is null)
                throw DhcpArgumentException.Invalid("InterfaceName", "DhcpNothingNamed", "name the leases to stop: -InterfaceName (wildcards allowed), or pipe them in from Get-DhcpLease");
            var agent = service.Dhcp;
            foreach (var lease in Selector.Select(agent, host))
            {
                var action = Release ? "Release the DHCP lease (the address goes back to the server)" : "Stop supervising the DHCP lease (the address stays)";
                if (!host.ShouldProcess($"{lease.InterfaceName} ({lease.Address})", action)) continue;
                try
                {
                    var id = DhcpLeaseSelector.ClientIdBytes(lease);
                    var after = Release ? agent.Release(lease.InterfaceName, id) : agent.Drop(lease.InterfaceName, id);
                    host.WriteVerbose($"{lease.InterfaceName}: {(Release ? "released" : "dropped")} {lease.Address}, now {after.State}");
                }
                catch (Exception e)
                {
                    host.WriteError(ErrorCatalog.Classify(e, lease.InterfaceName));
                }
            }
            return Task.CompletedTask;
        }
    }
}
