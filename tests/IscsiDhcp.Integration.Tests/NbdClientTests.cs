using System.Net.Sockets;
using IscsiDhcp.Lab;
using IscsiDhcp.Nbd;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// The module's own NBD client against qemu-nbd, an NBD server it did not write: reads, writes
/// and flushes reach the file qemu-nbd serves, many requests in flight come back to the right
/// buffers, and qemu-nbd's refusals reach the caller as the protocol names them.
/// </summary>
[Collection("nbd")]
public sealed class NbdClientTests : IDisposable
{
    const int Size = 4 << 20;
    readonly LabRun run = LabRun.Create();
    readonly string file;
    readonly byte[] content = new byte[Size];

    public NbdClientTests()
    {
        file = Path.Combine(run.Directory, "served.img");
        new Random(171).NextBytes(content);
        File.WriteAllBytes(file, content);
    }

    /// <summary>qemu-nbd serving the file on a Unix socket of its own, for as many clients as come (-t).</summary>
    string Serve(string exportName, bool readOnly = false)
    {
        var socket = Path.Combine(run.Directory, run.NewName("nbd") + ".sock");
        var arguments = new List<string> { "--socket=" + socket, "--format=raw", "--export-name=" + exportName, "--persistent", "--shared=16" };
        if (readOnly) arguments.Add("--read-only");
        arguments.Add(file);
        var process = run.StartProcess("qemu-nbd", "qemu-nbd", arguments);
        process.WaitUntil(() => File.Exists(socket), TimeSpan.FromSeconds(10), "listening");
        return socket;
    }

    static async Task<NbdClient> ConnectAsync(string socket, string exportName)
    {
        var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await unix.ConnectAsync(new UnixDomainSocketEndPoint(socket));
        return await NbdClient.ConnectAsync(new NetworkStream(unix, ownsSocket: true), exportName);
    }

    [Fact]
    public async Task Reads_with_many_requests_in_flight_return_the_served_file_to_the_right_buffers()
    {
        using var client = await ConnectAsync(Serve("disk"), "disk");
        Assert.Equal((ulong)Size, client.BlockCount * client.BlockSize);
        Assert.False(client.IsReadOnly);
        const int Piece = 64 * 1024;
        var buffers = Enumerable.Range(0, Size / Piece).Select(_ => new byte[Piece]).ToArray();
        await Task.WhenAll(buffers.Select((b, i) => client.ReadAsync((ulong)(i * Piece) / client.BlockSize, b).AsTask()));
        for (var i = 0; i < buffers.Length; i++)
            Assert.True(buffers[i].AsSpan().SequenceEqual(content.AsSpan(i * Piece, Piece)), $"piece {i} came back with another piece's data");
    }

    [Fact]
    public async Task Writes_and_a_flush_reach_the_served_file()
    {
        using (var client = await ConnectAsync(Serve("disk"), "disk"))
        {
            var data = new byte[1 << 20];
            new Random(172).NextBytes(data);
            await client.WriteAsync((ulong)(1 << 20) / client.BlockSize, data);
            await client.FlushAsync();
            data.CopyTo(content, 1 << 20);
        }
        Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(content));
    }

    [Fact]
    public async Task A_read_only_export_says_so_and_a_write_is_refused_before_it_is_sent()
    {
        using var client = await ConnectAsync(Serve("ro", readOnly: true), "ro");
        Assert.True(client.IsReadOnly);
        var refused = await Assert.ThrowsAsync<NbdException>(async () => await client.WriteAsync(0, new byte[client.BlockSize]));
        Assert.Equal(NbdError.NotPermitted, refused.Error);
        var first = new byte[4096];
        await client.ReadAsync(0, first);
        Assert.True(first.AsSpan().SequenceEqual(content.AsSpan(0, 4096)), "the connection still reads after the refused write");
    }

    [Fact]
    public async Task An_export_the_server_does_not_have_is_refused_with_its_reply_type()
    {
        var socket = Serve("disk");
        var refused = await Assert.ThrowsAsync<NbdOptionRefusedException>(() => ConnectAsync(socket, "no-such-export"));
        Assert.Equal(NbdOptionReplyType.ErrorUnknown, refused.Reply);
        using var client = await ConnectAsync(socket, "disk");   // the server is still there for the right name
        Assert.Equal((ulong)Size, client.BlockCount * client.BlockSize);
    }

    [Fact]
    public async Task A_read_past_the_end_is_the_servers_error_and_the_connection_goes_on()
    {
        using var client = await ConnectAsync(Serve("disk"), "disk");
        var past = await Assert.ThrowsAsync<NbdException>(async () => await client.ReadAsync(client.BlockCount, new byte[client.BlockSize]));
        Assert.NotEqual(NbdError.None, past.Error);
        var last = new byte[client.BlockSize];
        await client.ReadAsync(client.BlockCount - 1, last);
        Assert.True(last.AsSpan().SequenceEqual(content.AsSpan(Size - (int)client.BlockSize)));
    }

    public void Dispose() => run.Dispose();
}
