using System;
using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Leases
{
    /// <summary>Update-DhcpLease: dhcpagent's EXTEND, a renewal now; writes the lease as it stands after the answer (or the wait).</summary>
    public sealed class UpdateDhcpLeaseOperation
    {
        readonly IDhcpService service;

        public UpdateDhcpLeaseOperation(IDhcpService service) => this.service = service;

        public DhcpLeaseSelector Selector { get; } = new();
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        public async Task RunAsync(ICommandHost host)
        {
            foreach (var lease in await Selector.SelectAsync(service, host).ConfigureAwait(false))
            {
                if (!host.ShouldProcess($"{lease.InterfaceName} ({lease.Address})", "Renew the DHCP lease now")) continue;
                try
                {
                    host.WriteObject(await service.ExtendAsync(lease.Key, Timeout, host.Cancellation).ConfigureAwait(false));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    host.WriteError(ErrorCatalog.Classify(e, lease.InterfaceName));
                }
            }
        }
    }
}
