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

    async Task ServeAsync(Func<DhcpMessage, DhcpMessage> answer)
    {
        while (!stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try { received = await socket.ReceiveAsync(stop.Token); }
            catch (OperationCanceledException) { return; }
            var request = DhcpMessage.Parse(received.Buffer);
            await socket.SendAsync(answer(request).Encode(), new IPEndPoint(request.RelayAddress, DhcpSocket.ServerPort), stop.Token);
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
