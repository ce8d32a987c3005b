using System;
using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Leases
{
    /// <summary>
    /// Stop-DhcpLease: dhcpagent's DROP (stop supervising; the address stays, the lease stays on
    /// disk for INIT-REBOOT) or, with Release, its RELEASE (give the address back to the server).
    /// </summary>
    public sealed class StopDhcpLeaseOperation
    {
        readonly IDhcpService service;

        public StopDhcpLeaseOperation(IDhcpService service) => this.service = service;

        public DhcpLeaseSelector Selector { get; } = new();
        public bool Release { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            if (Selector.InterfaceName is null)
                throw DhcpArgumentException.Invalid("InterfaceName", "DhcpNothingNamed", "name the leases to stop: -InterfaceName (wildcards allowed), or pipe them in from Get-DhcpLease");
            foreach (var lease in await Selector.SelectAsync(service, host).ConfigureAwait(false))
            {
                var action = Release ? "Release the DHCP lease (the address goes back to the server)" : "Stop supervising the DHCP lease (the address stays)";
                if (!host.ShouldProcess($"{lease.InterfaceName} ({lease.Address})", action)) continue;
                try
                {
                    var after = await (Release ? service.ReleaseAsync(lease.Key) : service.DropAsync(lease.Key)).ConfigureAwait(false);
                    host.WriteVerbose($"{lease.InterfaceName}: {(Release ? "released" : "dropped")} {lease.Address}, now {after.State}");
                }
                catch (Exception e)
                {
                    host.WriteError(ErrorCatalog.Classify(e, lease.InterfaceName));
                }
            }
        }
    }
}
