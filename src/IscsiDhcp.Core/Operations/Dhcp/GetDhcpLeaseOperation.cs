using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Dhcp
{
    /// <summary>Get-DhcpLease: dhcpagent's STATUS for each lease meant (all when none is named).</summary>
    public sealed class GetDhcpLeaseOperation
    {
        readonly IIscsiDhcpService service;

        public GetDhcpLeaseOperation(IIscsiDhcpService service) => this.service = service;

        public DhcpLeaseSelector Selector { get; } = new();

        public Task RunAsync(ICommandHost host)
        {
            foreach (var lease in Selector.Select(service.Dhcp, host)) host.WriteObject(lease);
            return Task.CompletedTask;
        }
    }
}
