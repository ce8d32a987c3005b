using System.Net;
using System.Net.Sockets;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// A DHCP (or BOOTP) server on a loopback address for the cases real servers cannot be made
/// to show: each request reaching it is answered by a script, back to the relay (giaddr) on
/// port 67, so the client runs in relay mode.
/// </summary>
public sealed class ScriptedDhcpServer : IAsyncDisposable
{
    readonly UdpClient socket;
    readonly CancellationTokenSource stop = new();
    readonly Task serving;

    public ScriptedDhcpServer(IPAddress address, Func<DhcpMessage, DhcpMessage> answer)
    {
        Address = address;
        socket = new UdpClient(new IPEndPoint(address, DhcpSocket.ServerPort));
        serving = ServeAsync(answer);
    }

    public IPAddress Address { get; }

    /// <summary>A reply to <paramref name="request"/> with its transaction, client and relay filled in.</summary>
    public static DhcpMessage ReplyTo(DhcpMessage request, IPAddress yourAddress) => new()
    {
        Op = DhcpMessage.BootReply,
        TransactionId = request.TransactionId,
        YourAddress = yourAddress,
        RelayAddress = request.RelayAddress,
        HardwareLength = request.HardwareLength,
        ClientHardwareAddress = request.ClientHardwareAddress,
    };

    /// <summary>
    /// The usual answer: an OFFER to a DISCOVER, an ACK to anything else, granting
    /// <paramref name="yourAddress"/>/24 for <paramref name="leaseSeconds"/> from <paramref name="server"/>.
    /// </summary>
    public static DhcpMessage Grant(DhcpMessage request, IPAddress yourAddress, IPAddress server, uint leaseSeconds)
    {
        var type = request.MessageType == DhcpMessageType.Discover ? DhcpMessageType.Offer : DhcpMessageType.Ack;
        return ReplyTo(request, yourAddress)
            .Set(DhcpOptionCode.MessageType, [(byte)type]).Set(DhcpOptionCode.ServerIdentifier, server.GetAddressBytes())
            .Set(DhcpOptionCode.LeaseTime, [(byte)(leaseSeconds >> 24), (byte)(leaseSeconds >> 16), (byte)(leaseSeconds >> 8), (byte)leaseSeconds])
            .Set(DhcpOptionCode.SubnetMask, [255, 255, 255, 0]);
    }

    async Task ServeAsync(Func<DhcpMessage, DhcpMessage> answer)
    {
        // Disposing stops the loop wherever it is: waiting for a request or sending an answer.
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var received = await socket.ReceiveAsync(stop.Token);
                var request = DhcpMessage.Parse(received.Buffer);
                await socket.SendAsync(answer(request).Encode(), new IPEndPoint(request.RelayAddress, DhcpSocket.ServerPort), stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await serving;
        socket.Dispose();
        stop.Dispose();
    }
}
