using System.Net;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// The agent stores and configures a lease off the socket's receive thread: while one lease's
/// interface configuration hangs, the other clients on the same socket still get their replies.
/// A scripted server on loopback, relay mode (relay clients share one socket).
/// </summary>
public sealed class DhcpAgentConfigureOffSocketTests
{
    static readonly IPAddress Relay = IPAddress.Parse("127.0.0.8");
    static readonly IPAddress ServerAddress = IPAddress.Parse("127.0.0.9");

    static DhcpMessage Answer(DhcpMessage request) =>
        ScriptedDhcpServer.Grant(request, IPAddress.Parse($"198.18.203.{10 + request.ClientHardwareAddress[5]}"), ServerAddress, 3600);

    sealed class BlockingConfigurator(ManualResetEventSlim entered, ManualResetEventSlim goOn) : IInterfaceConfigurator
    {
        public void Apply(string interfaceName, DhcpLease lease, DhcpLease? previous)
        {
            entered.Set();
            goOn.Wait(TimeSpan.FromSeconds(30));
        }

        public void Remove(string interfaceName, DhcpLease lease) { }
    }

    static DhcpStartRequest Request(string name, byte last, bool configure) => new(name)
    {
        Identity = new DhcpClientIdentity([0x02, 0xF2, 0, 0, 0, last]),
        ClientOptions = new DhcpClientOptions { StartDelayMax = TimeSpan.Zero },
        Configure = configure,
        RelayAddress = Relay,
        ServerAddress = ServerAddress,
    };

    [Fact]
    public async Task A_hanging_interface_configuration_holds_up_only_its_own_lease()
    {
        await using var server = new ScriptedDhcpServer(ServerAddress, Answer);
        using var entered = new ManualResetEventSlim();
        using var goOn = new ManualResetEventSlim();
        using var agent = new DhcpAgent(new DhcpLeaseStore(Path.Combine(Path.GetTempPath(), "offsocket-" + Guid.NewGuid().ToString("N"))),
            configurator: () => new BlockingConfigurator(entered, goOn));
        try
        {
            var slow = agent.StartAsync(Request("offsocket-a", 1, configure: true), TimeSpan.FromSeconds(30));
            Assert.True(entered.Wait(TimeSpan.FromSeconds(10)), "the first lease was not bound");

            var other = await agent.StartAsync(Request("offsocket-b", 2, configure: false), TimeSpan.FromSeconds(5));   // same socket
            Assert.Equal((DhcpClientState.Bound, IPAddress.Parse("198.18.203.12")), (other.State, other.Address));
            Assert.False(slow.IsCompleted, "START returned before its interface was configured");

            goOn.Set();
            var configured = await slow;
            Assert.Equal((DhcpClientState.Bound, true, false), (configured.State, configured.Configured, configured.Failed));
        }
        finally
        {
            goOn.Set();
        }
    }
}
