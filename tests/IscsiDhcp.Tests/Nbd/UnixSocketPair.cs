using System.IO.Pipes;
using System.Net.Sockets;

namespace IscsiDhcp.Tests.Nbd;

/// <summary>
/// A connected pair over a Unix socket at a path: the server's end as the agent's listener
/// accepts it (a pipe stream, which replies may be sent on without waiting), the client's as a socket.
/// </summary>
static class UnixSocketPair
{
    public static async Task<(NamedPipeServerStream Server, Socket Client)> ConnectAsync(string path)
    {
        var server = new NamedPipeServerStream(path, PipeDirection.InOut, 1, PipeTransmissionMode.Byte, PipeOptions.Asynchronous);
        var accepted = server.WaitForConnectionAsync();
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
        await accepted;
        return (server, client);
    }
}
