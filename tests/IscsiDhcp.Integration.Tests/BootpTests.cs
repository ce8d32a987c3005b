using System.Net;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// A BOOTP-only server (scripted here on loopback, reached through relay mode) grants a
/// permanent lease; the agent then refuses EXTEND, RELEASE and INFORM with the BOOTP error.
/// </summary>
public sealed class BootpTests
{
    static readonly IPAddress Relay = IPAddress.Parse("127.0.0.2");
    static readonly IPAddress ServerAddress = IPAddress.Parse("127.0.0.3");
    static readonly IPAddress Granted = IPAddress.Parse("198.18.200.5");

    /// <summary>Answers each BOOTREQUEST with a BOOTREPLY that carries no DHCP message type.</summary>
    static DhcpMessage Bootp(DhcpMessage request)
    {
        var reply = ScriptedDhcpServer.ReplyTo(request, Granted);
        reply.ServerAddress = ServerAddress;
        reply.BootFile = "pxelinux.0";
        return reply.Set(DhcpOptionCode.SubnetMask, [255, 255, 255, 0]).Set(DhcpOptionCode.Router, [198, 18, 200, 1]);
    }

    [Fact]
    public async Task A_BOOTP_lease_is_permanent_and_refuses_extend_release_and_inform()
    {
        await using var server = new ScriptedDhcpServer(ServerAddress, Bootp);
        using var agent = new DhcpAgent(new DhcpLeaseStore(Path.Combine(Path.GetTempPath(), "bootp-" + Guid.NewGuid().ToString("N"))),
            openSocket: _ => DhcpSocket.OpenRelay(Relay, ServerAddress));
        var request = new DhcpStartRequest("bootp-test")
        {
            Identity = new DhcpClientIdentity([0x02, 0xB0, 0, 0, 0, 1]),
            ClientOptions = new DhcpClientOptions { StartDelayMax = TimeSpan.Zero },
        };
        var status = await agent.StartAsync(request, TimeSpan.FromSeconds(20));
        Assert.Equal(DhcpClientState.Bound, status.State);
        Assert.True(status.Bootp);
        Assert.Equal(Granted, status.Address);
        Assert.Null(status.ExpiresAt);   // permanent
        Assert.Equal("pxelinux.0", agent.GetField("bootp-test", "file"));
        Assert.Equal(ServerAddress.ToString(), agent.GetField("bootp-test", "siaddr"));

        Assert.Equal(DhcpAgentError.Bootp, (await Assert.ThrowsAsync<DhcpAgentException>(() => agent.ExtendAsync("bootp-test"))).Error);
        Assert.Equal(DhcpAgentError.Bootp, Assert.Throws<DhcpAgentException>(() => agent.Release("bootp-test")).Error);
        Assert.Equal(DhcpAgentError.Bootp, (await Assert.ThrowsAsync<DhcpAgentException>(() => agent.InformAsync(request, Granted))).Error);
        Assert.True(agent.Ping("bootp-test"));
    }
}
