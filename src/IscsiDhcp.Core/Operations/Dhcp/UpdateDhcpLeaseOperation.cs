using System;
using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Dhcp
{
    /// <summary>Update-DhcpLease: dhcpagent's EXTEND, a renewal now; writes the lease as it stands after the answer (or the wait).</summary>
    public sealed class UpdateDhcpLeaseOperation
    {
        readonly IIscsiDhcpService service;

        public UpdateDhcpLeaseOperation(IIscsiDhcpService service) => this.service = service;

        public DhcpLeaseSelector Selector { get; } = new();
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        public async Task RunAsync(ICommandHost host)
        {
            var agent = service.Dhcp;
            foreach (var lease in Selector.Select(agent, host))
            {
                if (!host.ShouldProcess($"{lease.InterfaceName} ({lease.Address})", "Renew the DHCP lease now")) continue;
                try
                {
                    host.WriteObject(await agent.ExtendAsync(lease.InterfaceName, DhcpLeaseSelector.ClientIdBytes(lease), Timeout, host.Cancellation).ConfigureAwait(false));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    host.WriteError(ErrorCatalog.Classify(e, lease.InterfaceName));
                }
            }
        }
    }
}
