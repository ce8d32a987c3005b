using System.Net;
using System.Threading.Channels;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Dhcp;

namespace IscsiDhcp.Integration.Tests;

/// <summary>Our messages and socket against dnsmasq and kea in the lab's test networks: DORA, typed options, release.</summary>
public sealed class DhcpWireInteropTests : IDisposable
{
    readonly LabRun run = LabRun.Create();

    public void Dispose() => run.Dispose();

    static async Task<DhcpMessage> ExchangeAsync(DhcpSocket socket, Channel<DhcpMessage> replies, DhcpMessage request, IPAddress destination, DhcpMessageType expected)
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await socket.SendAsync(request, destination);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                while (true)
                {
                    var reply = await replies.Reader.ReadAsync(wait.Token);
                    if (reply.TransactionId == request.TransactionId && reply.MessageType == expected) return reply;
                }
            }
            catch (OperationCanceledException)
            {
                // retransmit
            }
        }
        throw new TimeoutException($"no {expected} for {request.MessageType}");
    }

    [Theory]
    [InlineData(DhcpServerKind.Dnsmasq)]
    [InlineData(DhcpServerKind.Kea)]
    public async Task DORA_then_release_against_a_real_server(DhcpServerKind server)
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = server, LeaseTime = TimeSpan.FromSeconds(600) });
        var identity = new DhcpClientIdentity(DhcpClientIdentity.ParseMac(network.ClientMacAddress)) { HostName = "iscsidhcp-test" };
        using var socket = DhcpSocket.Open(network.ClientInterface);
        var replies = Channel.CreateUnbounded<DhcpMessage>();
        using var registration = socket.Register(identity.HardwareAddress, m => replies.Writer.TryWrite(m));

        var offer = await ExchangeAsync(socket, replies, DhcpMessages.Discover(0x1234_0001, identity), IPAddress.Broadcast, DhcpMessageType.Offer);
        Assert.True(network.InRange(offer.YourAddress.ToString()), $"{offer.YourAddress} is outside the range");
        var ack = await ExchangeAsync(socket, replies, DhcpMessages.RequestFromOffer(offer, identity), IPAddress.Broadcast, DhcpMessageType.Ack);

        Assert.Equal(offer.YourAddress, ack.YourAddress);
        Assert.Equal(IPAddress.Parse(network.ServerAddress), DhcpOptionRegistry.Decode(54, ack.Get(DhcpOptionCode.ServerIdentifier)!));
        Assert.Equal(IPAddress.Parse(DhcpTestNetwork.SubnetMask), DhcpOptionRegistry.Decode(1, ack.Get(DhcpOptionCode.SubnetMask)!));
        Assert.Equal(new[] { IPAddress.Parse(network.ServerAddress) }, (IPAddress[])DhcpOptionRegistry.Decode(3, ack.Get(DhcpOptionCode.Router)!));
        Assert.Equal(600u, DhcpOptionRegistry.Decode(51, ack.Get(DhcpOptionCode.LeaseTime)!));
        Assert.Contains(ack.YourAddress.ToString(), network.ReadLeases());

        await socket.SendAsync(DhcpMessages.Release(0x1234_0002, identity, ack.YourAddress, IPAddress.Parse(network.ServerAddress)), IPAddress.Parse(network.ServerAddress));
        await WaitUntil(() => server == DhcpServerKind.Dnsmasq
            ? !network.ReadLeases().Contains(ack.YourAddress.ToString(), StringComparison.Ordinal)
            : network.ReadServerLog().Contains("DHCP4_RELEASE", StringComparison.Ordinal));
        Assert.Equal(0, socket.Counters.Malformed);
    }

    static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the server did not record the release");
            await Task.Delay(100);
        }
    }
}
