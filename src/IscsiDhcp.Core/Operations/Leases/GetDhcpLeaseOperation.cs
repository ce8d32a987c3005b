using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Leases
{
    /// <summary>Get-DhcpLease: dhcpagent's STATUS for each lease meant (all when none is named).</summary>
    public sealed class GetDhcpLeaseOperation
    {
        readonly IDhcpService service;

        public GetDhcpLeaseOperation(IDhcpService service) => this.service = service;

        public DhcpLeaseSelector Selector { get; } = new();

        public async Task RunAsync(ICommandHost host)
        {
            foreach (var lease in await Selector.SelectAsync(service, host).ConfigureAwait(false)) host.WriteObject(lease);
        }
    }
}
