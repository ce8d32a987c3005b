using System.Net;
using System.Text;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// GET_OPTION consults the original ACK when the current one lacks the option: a scripted
/// server (loopback, relay mode) sends the domain name only in its first ACK.
/// </summary>
public sealed class GetOptionFallbackTests
{
    static readonly IPAddress Relay = IPAddress.Parse("127.0.0.4");
    static readonly IPAddress ServerAddress = IPAddress.Parse("127.0.0.5");

    static Func<DhcpMessage, DhcpMessage> DomainInFirstAckOnly()
    {
        var acks = 0;
        return request =>
        {
            var reply = ScriptedDhcpServer.Grant(request, IPAddress.Parse("198.18.201.9"), ServerAddress, 3600);
            if (reply.MessageType == DhcpMessageType.Ack && acks++ == 0) reply.Set(DhcpOptionCode.DomainName, Encoding.ASCII.GetBytes("first.example"));
            return reply.Set(DhcpOptionCode.VendorSpecific, [1, 3, (byte)'a', (byte)'b', (byte)'c', 2, 1, 7]);
        };
    }

    [Fact]
    public async Task An_option_missing_from_the_renewal_is_answered_from_the_original_ACK()
    {
        await using var server = new ScriptedDhcpServer(ServerAddress, DomainInFirstAckOnly());
        using var agent = new DhcpAgent(new DhcpLeaseStore(Path.Combine(Path.GetTempPath(), "fallback-" + Guid.NewGuid().ToString("N"))),
            openSocket: _ => DhcpSocket.OpenRelay(Relay, ServerAddress));
        var request = new DhcpStartRequest("fallback-test")
        {
            Identity = new DhcpClientIdentity([0x02, 0xF0, 0, 0, 0, 1]),
            ClientOptions = new DhcpClientOptions { StartDelayMax = TimeSpan.Zero },
        };
        var bound = await agent.StartAsync(request, TimeSpan.FromSeconds(20));
        var extended = await agent.ExtendAsync("fallback-test", wait: TimeSpan.FromSeconds(20));
        Assert.True(extended.LeaseBegan > bound.LeaseBegan);
        Assert.Equal("first.example", Encoding.ASCII.GetString(agent.GetOption("fallback-test", (byte)DhcpOptionCode.DomainName)));
        Assert.Equal("first.example", extended.DomainName);
        Assert.Equal("abc"u8.ToArray(), agent.GetVendorOption("fallback-test", 1));
        Assert.Equal(DhcpAgentError.NoOption, Assert.Throws<DhcpAgentException>(() => agent.GetVendorOption("fallback-test", 9)).Error);
    }
}
