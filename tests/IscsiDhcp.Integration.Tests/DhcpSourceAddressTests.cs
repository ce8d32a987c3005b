using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Dhcp;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// RFC 2131 4.1: until the client has an address, its messages leave from 0.0.0.0, never
/// from an address the host holds on another interface (which the kernel's UDP stack picks
/// for a broadcast from an interface with no address of its own).
/// </summary>
public sealed class DhcpSourceAddressTests : IDisposable
{
    readonly LabRun run = LabRun.Create();

    public void Dispose() => run.Dispose();

    [Theory]
    [InlineData(DhcpServerKind.Dnsmasq)]
    [InlineData(DhcpServerKind.Kea)]
    public async Task Discover_and_request_leave_from_0_0_0_0_until_the_client_is_bound(DhcpServerKind server)
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = server, LeaseTime = TimeSpan.FromMinutes(10) });
        var capture = PacketCapture.DhcpToServer(run, network);
        using var socket = DhcpSocket.Open(network.ClientInterface);
        using var client = new DhcpClient(socket, new DhcpClientIdentity(LocalInterfaces.HardwareAddress(network.ClientInterface)),
            new DhcpClientOptions { StartDelayMax = TimeSpan.Zero });

        await client.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // tcpdump prints a moment after the packet passes: wait for DISCOVER and REQUEST.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (capture.Datagrams().Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(50);
        var sent = capture.Datagrams();
        Assert.True(sent.Count >= 2, $"captured {sent.Count} datagrams to port 67");
        Assert.All(sent, d =>
        {
            Assert.Equal("0.0.0.0", d.Source);
            Assert.Equal(68, d.SourcePort);
            Assert.Equal("255.255.255.255", d.Destination);
        });
    }
}
