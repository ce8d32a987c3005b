using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Dhcp
{
    /// <summary>Test-DhcpLease: dhcpagent's PING; true while the lease is alive (bound, renewing or rebinding, or informed).</summary>
    public sealed class TestDhcpLeaseOperation
    {
        readonly IIscsiDhcpService service;

        public TestDhcpLeaseOperation(IIscsiDhcpService service) => this.service = service;

        public DhcpLeaseSelector Selector { get; } = new();

        public Task RunAsync(ICommandHost host)
        {
            var agent = service.Dhcp;
            // A name that matches no lease is false, not an error: a test of something absent.
            var leases = Selector.Select(agent, host, reportMissing: false);
            if (leases.Count == 0 && Selector.InterfaceName is { Length: > 0 }) host.WriteObject(false);
            foreach (var lease in leases) host.WriteObject(agent.Ping(lease.InterfaceName, DhcpLeaseSelector.ClientIdBytes(lease)));
            return Task.CompletedTask;
        }
    }
}
