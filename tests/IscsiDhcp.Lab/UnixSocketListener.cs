using System.Net.Sockets;

namespace IscsiDhcp.Lab;

/// <summary>
/// A Unix socket at a path that hands each accepted connection, as a stream, to a callback
/// (a stand-in for the agent's listener: the tests and the bench give it an NBD server).
/// Disposing stops accepting, cancels the callbacks, waits for them and removes the socket file.
/// </summary>
public sealed class UnixSocketListener : IDisposable
{
    readonly Socket socket;
    readonly CancellationTokenSource stop = new();
    readonly List<Task> served = [];
    readonly Task accepting;

    public UnixSocketListener(string path, Func<Stream, CancellationToken, Task> serve)
    {
        Path = path;
        File.Delete(path);
        socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(64);
        accepting = Task.Run(() => AcceptAsync(serve));
    }

    public string Path { get; }

    async Task AcceptAsync(Func<Stream, CancellationToken, Task> serve)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var stream = new NetworkStream(client, ownsSocket: true);
            lock (served) served.Add(Task.Run(() => serve(stream, stop.Token)));
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        socket.Dispose();
        accepting.Wait(TimeSpan.FromSeconds(10));
        Task[] all;
        lock (served) all = served.ToArray();
        try { Task.WaitAll(all, TimeSpan.FromSeconds(15)); } catch (AggregateException) { }
        File.Delete(Path);
        stop.Dispose();
    }
}
