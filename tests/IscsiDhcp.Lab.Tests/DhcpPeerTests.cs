using IscsiDhcp.Lab.Dhcp;
using static IscsiDhcp.Lab.Tests.ReferenceClients;

namespace IscsiDhcp.Lab.Tests;

/// <summary>The lab's DHCP networks, proven with busybox udhcpc.</summary>
public sealed class DhcpPeerTests(LabFixture lab) : IClassFixture<LabFixture>
{
    [Theory]
    [InlineData(DhcpServerKind.Dnsmasq, 180)]
    [InlineData(DhcpServerKind.Kea, 300)]
    public void Udhcpc_obtains_a_lease_inside_the_test_network(DhcpServerKind server, int leaseSeconds)
    {
        var network = DhcpTestNetwork.Create(lab.Run, new DhcpNetworkOptions
        {
            Server = server,
            RangeFirst = 20,
            RangeLast = 29,
            LeaseTime = TimeSpan.FromSeconds(leaseSeconds),
        });

        var lease = Udhcpc(network.ClientInterface);

        Assert.True(network.InRange(lease.Address), $"{lease.Address} is outside {network.RangeFirstAddress}-{network.RangeLastAddress}");
        Assert.Equal(network.ServerAddress, lease.Server);
        Assert.Equal(leaseSeconds, lease.LeaseSeconds);
        // The server's own records agree: its lease database and its log name the client.
        var leases = network.ReadLeases();
        Assert.Contains(lease.Address, leases);
        Assert.Contains(network.ClientMacAddress, leases, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(lease.Address, network.ReadServerLog());
    }

    [Fact]
    public void Networks_of_one_run_get_their_own_names_and_subnets()
    {
        var a = DhcpTestNetwork.Create(lab.Run, new DhcpNetworkOptions());
        var b = DhcpTestNetwork.Create(lab.Run, new DhcpNetworkOptions { Server = DhcpServerKind.Kea });
        Assert.NotEqual(a.Netns, b.Netns);
        Assert.NotEqual(a.ClientInterface, b.ClientInterface);
        Assert.NotEqual(a.Prefix, b.Prefix);
        Assert.True(Network.NetnsExists(a.Netns) && Network.NetnsExists(b.Netns));
    }

    [Fact]
    public void Options_the_servers_cannot_honour_are_refused_up_front()
    {
        var tooShort = new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromSeconds(30) };
        Assert.Contains("120", Assert.Throws<ArgumentException>(() => DhcpTestNetwork.Create(lab.Run, tooShort)).Message);
        var inverted = new DhcpNetworkOptions { RangeFirst = 50, RangeLast = 10 };
        Assert.Throws<ArgumentException>(() => DhcpTestNetwork.Create(lab.Run, inverted));
    }
}
