using System.IO.Pipes;
using System.Net.Sockets;
using IscsiDhcp.Common;
using IscsiDhcp.Nbd;

namespace IscsiDhcp.Tests.Nbd;

/// <summary>
/// Replies go out on the thread that queues them while the socket has room, the rest on the
/// writer's thread, whole and in order; the queuing thread never waits for a client.
/// </summary>
public sealed class NbdReplyWriterTests : IDisposable
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    readonly string directory = Directory.CreateTempSubdirectory("nbd-writer-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    Task<(NamedPipeServerStream Server, Socket Client)> PairAsync() => UnixSocketPair.ConnectAsync(Path.Combine(directory, "s"));

    static NbdReply Reply(byte[] bytes) => new(bytes, 0, bytes.Length, null, 0);

    static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    static async Task<byte[]> ReadAll(Socket client, int count)
    {
        var bytes = new byte[count];
        for (var done = 0; done < count;)
        {
            var n = await client.ReceiveAsync(bytes.AsMemory(done));
            if (n == 0) throw new EndOfStreamException($"after {done} of {count} bytes");
            done += n;
        }
        return bytes;
    }

    [Fact]
    public async Task A_reply_that_fits_is_written_by_the_thread_that_queues_it()
    {
        var (server, client) = await PairAsync();
        using var _ = server;
        using var __ = client;
        var writtenOn = new List<int>();
        var writer = new NbdReplyWriter(server, r => { lock (writtenOn) writtenOn.Add(Environment.CurrentManagedThreadId); }, () => { });
        var data = Pattern(256 << 10, 1);
        writer.Enqueue(Reply(data));
        lock (writtenOn) Assert.Equal([Environment.CurrentManagedThreadId], writtenOn);   // told before Enqueue returned
        Assert.Equal(data, await ReadAll(client, data.Length).WaitAsync(Bound));
        writer.Complete();
    }

    [Fact]
    public async Task Replies_larger_than_the_socket_holds_arrive_whole_and_in_order_and_never_hold_up_the_queuing_thread()
    {
        var (server, client) = await PairAsync();
        using var _ = server;
        using var __ = client;
        var written = 0;
        var writer = new NbdReplyWriter(server, r => Interlocked.Increment(ref written), () => { });
        // The client reads nothing until all are queued: 24 MiB is far more than the socket holds.
        var replies = Enumerable.Range(0, 24).Select(i => Pattern(i % 2 == 0 ? 1 << 20 : 16, i)).ToArray();
        var queuing = Task.Run(() =>
        {
            foreach (var reply in replies) writer.Enqueue(Reply(reply));
        });
        await queuing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Volatile.Read(ref written) < replies.Length, "everything was written although the client read nothing");
        var expected = replies.SelectMany(r => r).ToArray();
        Assert.Equal(expected, await ReadAll(client, expected.Length).WaitAsync(Bound));
        writer.Complete();
        Assert.Equal(replies.Length, written);
    }

    [Fact]
    public async Task A_client_gone_fails_the_writer_once_and_every_reply_is_still_given_back()
    {
        var (server, client) = await PairAsync();
        using var _ = server;
        var written = 0;
        var failures = 0;
        var writer = new NbdReplyWriter(server, r => Interlocked.Increment(ref written), () => Interlocked.Increment(ref failures));
        client.Dispose();
        for (var i = 0; i < 50; i++) writer.Enqueue(Reply(Pattern(64 << 10, i)));
        writer.Complete();
        Assert.Equal(50, written);
        Assert.Equal(1, failures);
    }

    [Fact]
    public async Task Only_a_socket_can_be_sent_to_without_waiting()
    {
        Assert.Null(SocketSendNow.For(new MemoryStream()));
        var (server, client) = await PairAsync();
        using var _ = server;
        using var __ = client;
        var send = SocketSendNow.For(server);
        Assert.NotNull(send);
        // Without growing the buffer and with nobody reading, sends stop at what the socket holds, returning 0.
        var chunk = new byte[64 << 10];
        long total = 0;
        int sent;
        while ((sent = send.Send(chunk, 0, chunk.Length)) > 0) total += sent;
        Assert.InRange(total, 1, 64L << 20);
    }
}
