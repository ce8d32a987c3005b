using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Leases
{
    /// <summary>Test-DhcpLease: dhcpagent's PING; true while the lease is alive (bound, renewing or rebinding, or informed).</summary>
    public sealed class TestDhcpLeaseOperation
    {
        readonly IDhcpService service;

        public TestDhcpLeaseOperation(IDhcpService service) => this.service = service;

        public DhcpLeaseSelector Selector { get; } = new();

        public async Task RunAsync(ICommandHost host)
        {
            // A name that matches no lease is false, not an error: a test of something absent.
            var leases = await Selector.SelectAsync(service, host, reportMissing: false).ConfigureAwait(false);
            if (leases.Count == 0 && Selector.InterfaceName is { Length: > 0 }) host.WriteObject(false);
            foreach (var lease in leases) host.WriteObject(await service.PingAsync(lease.Key, host.Cancellation).ConfigureAwait(false));
        }
    }
}
