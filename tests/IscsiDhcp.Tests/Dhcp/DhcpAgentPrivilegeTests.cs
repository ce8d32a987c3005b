using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Tests.Dhcp;

public sealed class DhcpAgentPrivilegeTests
{
    [Fact]
    public async Task Without_the_privilege_to_bind_port_68_start_fails_with_a_permission_error_before_anything_is_sent()
    {
        var opened = 0;
        DhcpSocket Refuse(string name)
        {
            opened++;
            throw new UnauthorizedAccessException($"SO_BINDTODEVICE on {name} needs CAP_NET_RAW (run as root)");
        }
        using var agent = new DhcpAgent(new DhcpLeaseStore(Path.GetTempPath()), openSocket: Refuse);
        var request = new DhcpStartRequest("eth9") { Identity = new DhcpClientIdentity([2, 0, 0, 0, 0, 1]), ClientOptions = new DhcpClientOptions { StartDelayMax = TimeSpan.Zero } };
        var e = await Assert.ThrowsAsync<DhcpAgentException>(() => agent.StartAsync(request));
        Assert.Equal(DhcpAgentError.Permission, e.Error);
        Assert.Equal(1, opened);
        // Nothing is left registered: read-only commands see no lease (and need no privilege to say so).
        Assert.Equal(DhcpAgentError.UnknownInterface, Assert.Throws<DhcpAgentException>(() => agent.Status("eth9")).Error);
        Assert.Empty(agent.StatusAll());
    }

    [Fact]
    public void Bad_interface_names_are_refused_by_name()
    {
        Assert.Equal("interfaceName", Assert.Throws<ArgumentException>(() => new DhcpStartRequest(" ")).ParamName);
    }
}
