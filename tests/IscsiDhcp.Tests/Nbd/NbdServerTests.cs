using System.Buffers.Binary;
using System.IO.Pipes;
using System.Net.Sockets;
using IscsiDhcp.Nbd;

namespace IscsiDhcp.Tests.Nbd;

/// <summary>The server over an in-memory export: requests in flight together, replies as they finish, memory bounded, shutdown.</summary>
public sealed class NbdServerTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("nbd-unit-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>1 MiB in memory; a read of offset 0 waits until <see cref="Release"/> (so a later request can overtake it).</summary>
    sealed class MemoryExport : NbdExport
    {
        public readonly byte[] Data = new byte[1 << 20];
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Concurrent, MostConcurrent;

        public MemoryExport() => new Random(5).NextBytes(Data);

        public override string Name => "mem";
        public override ulong Size => (ulong)Data.Length;
        public override uint MinimumBlockSize => 512;
        public override bool CanFlush => true;

        public override async ValueTask ReadAsync(ulong offset, Memory<byte> buffer, CancellationToken cancel)
        {
            var now = Interlocked.Increment(ref Concurrent);
            InterlockedMax(ref MostConcurrent, now);
            try
            {
                if (offset == 0) await Release.Task.WaitAsync(cancel);
                else await Task.Yield();
                Data.AsMemory((int)offset, buffer.Length).CopyTo(buffer);
            }
            finally
            {
                Interlocked.Decrement(ref Concurrent);
            }
        }

        public override ValueTask WriteAsync(ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancel)
        {
            data.CopyTo(Data.AsMemory((int)offset));
            return default;
        }

        public override ValueTask FlushAsync(CancellationToken cancel) => default;

        static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }

    sealed class Catalog(NbdExport export) : INbdExportCatalog
    {
        public Task<IReadOnlyList<NbdExportEntry>> ListAsync(CancellationToken cancel) => Task.FromResult<IReadOnlyList<NbdExportEntry>>([new("mem")]);
        public Task<NbdExport?> OpenAsync(string name, CancellationToken cancel) => Task.FromResult(name is "mem" or "" ? export : null);
    }

    Task<(NamedPipeServerStream Server, Socket Client)> PairAsync() => UnixSocketPair.ConnectAsync(Path.Combine(directory, Guid.NewGuid().ToString("N")[..8]));

    static async Task<byte[]> Read(Socket s, int n)
    {
        var b = new byte[n];
        for (var done = 0; done < n;)
        {
            var got = await s.ReceiveAsync(b.AsMemory(done));
            if (got == 0) throw new EndOfStreamException();
            done += got;
        }
        return b;
    }

    /// <summary>Greeting, flags, NBD_OPT_GO "mem" with simple replies; reads up to the ACK.</summary>
    static async Task HandshakeAsync(Socket client)
    {
        await Read(client, 18);
        var go = new NbdExportQuery("mem", []).ToBytes();
        var bytes = new byte[4 + 16 + go.Length];
        var w = new NbdWriter(bytes);
        w.U32(1);
        new NbdOptionHeader(NbdMagic.IHaveOption, NbdOption.Go, (uint)go.Length).Write(ref w);
        w.Bytes(go);
        await client.SendAsync(bytes);
        while (true)
        {
            var header = await Read(client, 20);
            var type = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
            await Read(client, (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16)));
            if (type == (uint)NbdOptionReplyType.Ack) return;
            Assert.Equal((uint)NbdOptionReplyType.Info, type);
        }
    }

    /// <summary>A server of <paramref name="export"/> serving one read-write connection, handshake done: the server, the client's socket, the serving task.</summary>
    async Task<(NbdServer Server, Socket Client, Task Serving)> ServeAsync(NbdExport export, CancellationToken stop, NbdServerOptions? options = null)
    {
        var server = new NbdServer(new Catalog(export), options);
        var (stream, client) = await PairAsync();
        var serving = server.ServeAsync(stream, mayWrite: true, stop);
        await HandshakeAsync(client);
        return (server, client, serving);
    }

    static Task<int> SendRequest(Socket client, NbdCommand command, ulong cookie, ulong offset, uint length)
    {
        var bytes = new byte[28];
        var w = new NbdWriter(bytes);
        new NbdRequest(NbdMagic.Request, 0, command, cookie, offset, length).Write(ref w);
        return client.SendAsync(bytes);
    }

    [Fact]
    public async Task A_list_only_connection_lists_the_exports_and_every_open_is_refused_by_policy_and_counted()
    {
        var server = new NbdServer(new Catalog(new MemoryExport()));
        var (stream, client) = await PairAsync();
        using var _ = client;
        var serving = server.ServeAsync(stream, NbdAccess.ListOnly, CancellationToken.None);
        await Read(client, 18);
        await client.SendAsync(new byte[] { 0, 0, 0, 1 });

        async Task<(uint Type, byte[] Data)> Option(NbdOption option, byte[] data)
        {
            var bytes = new byte[16 + data.Length];
            var w = new NbdWriter(bytes);
            new NbdOptionHeader(NbdMagic.IHaveOption, option, (uint)data.Length).Write(ref w);
            w.Bytes(data);
            await client.SendAsync(bytes);
            var header = await Read(client, 20).WaitAsync(TimeSpan.FromSeconds(10));
            return (BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12)), await Read(client, (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16))));
        }

        var listed = await Option(NbdOption.List, []);
        Assert.Equal((uint)NbdOptionReplyType.Server, listed.Type);
        Assert.Equal((uint)NbdOptionReplyType.Ack, (await Read(client, 20))[12..16].Aggregate(0u, (a, b) => (a << 8) | b));
        Assert.Equal((uint)NbdOptionReplyType.ErrorPolicy, (await Option(NbdOption.Info, new NbdExportQuery("mem", []).ToBytes())).Type);
        Assert.Equal((uint)NbdOptionReplyType.ErrorPolicy, (await Option(NbdOption.Go, new NbdExportQuery("mem", []).ToBytes())).Type);
        Assert.Equal(2L, server.Counters.RefusedByPolicy);

        // NBD_OPT_EXPORT_NAME has no error reply: the connection ends, no data sent.
        var name = "mem"u8.ToArray();
        var bytes = new byte[16 + name.Length];
        var writer = new NbdWriter(bytes);
        new NbdOptionHeader(NbdMagic.IHaveOption, NbdOption.ExportName, (uint)name.Length).Write(ref writer);
        writer.Bytes(name);
        await client.SendAsync(bytes);
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3L, server.Counters.RefusedByPolicy);
        Assert.Equal(0, await client.ReceiveAsync(new byte[1]));
    }

    [Fact]
    public async Task A_later_request_overtakes_one_that_waits_and_each_reply_carries_its_own_cookie_and_data()
    {
        var export = new MemoryExport();
        var (server, client, serving) = await ServeAsync(export, CancellationToken.None);
        using var _ = client;

        await SendRequest(client, NbdCommand.Read, 100, 0, 4096);      // waits for Release
        await SendRequest(client, NbdCommand.Read, 200, 8192, 4096);
        var first = await Read(client, 16 + 4096).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(200UL, BinaryPrimitives.ReadUInt64BigEndian(first.AsSpan(8)));
        Assert.True(first.AsSpan(16).SequenceEqual(export.Data.AsSpan(8192, 4096)));
        export.Release.SetResult();
        var second = await Read(client, 16 + 4096).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(100UL, BinaryPrimitives.ReadUInt64BigEndian(second.AsSpan(8)));
        Assert.True(second.AsSpan(16).SequenceEqual(export.Data.AsSpan(0, 4096)));

        await SendRequest(client, NbdCommand.Disconnect, 300, 0, 0);
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0L, server.Counters.ActiveConnections);
    }

    [Fact]
    public async Task Requests_in_flight_are_bounded_by_the_byte_budget()
    {
        var export = new MemoryExport();
        var (server, client, serving) = await ServeAsync(export, CancellationToken.None, new NbdServerOptions { MaximumPayload = 1 << 16, MaxBytesInFlight = 3 * ((1 << 16) + 64) });
        using var _ = client;
        // Reads of offset 0 all wait: only as many as the budget holds may be running at once.
        for (var i = 0; i < 8; i++) await SendRequest(client, NbdCommand.Read, (ulong)i, 0, 1 << 16);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref export.Concurrent) < 3)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{export.Concurrent} running; {server.Counters}");
            await Task.Delay(10);
        }
        await Task.Delay(200);   // room for a fourth to start, were the budget not enforced
        export.Release.SetResult();
        for (var i = 0; i < 8; i++) await Read(client, 16 + (1 << 16)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, export.MostConcurrent);
        client.Close();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Shutting_the_server_down_answers_the_requests_in_flight_with_ESHUTDOWN()
    {
        var export = new MemoryExport();
        using var stop = new CancellationTokenSource();
        var (server, client, serving) = await ServeAsync(export, stop.Token);
        using var _ = client;
        await SendRequest(client, NbdCommand.Read, 7, 0, 4096);   // never released
        // Stop only once the read is in flight: stopped before it was read, the server would
        // close with the request unread (a reset, not an answer), which is not what is tested here.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref export.Concurrent) < 1)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the read never reached the export");
            await Task.Delay(10);
        }
        stop.Cancel();
        var reply = await Read(client, 16).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((uint)NbdError.Shutdown, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4)));
        Assert.Equal(7UL, BinaryPrimitives.ReadUInt64BigEndian(reply.AsSpan(8)));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>An export whose reads end when the test says, on the test's own thread (continuations run inline).</summary>
    sealed class HeldExport : NbdExport
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource> Reads = new();

        public override string Name => "mem";
        public override ulong Size => 1 << 30;
        public override uint MinimumBlockSize => 512;

        public override async ValueTask ReadAsync(ulong offset, Memory<byte> buffer, CancellationToken cancel)
        {
            var read = new TaskCompletionSource();   // no RunContinuationsAsynchronously: whoever ends it runs the server's continuation
            Reads.Enqueue(read);
            await read.Task;
        }

        public override ValueTask WriteAsync(ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancel) => default;
    }

    [Fact]
    public async Task A_client_that_stops_reading_its_replies_never_blocks_the_thread_that_ends_a_request()
    {
        var export = new HeldExport();
        using var stop = new CancellationTokenSource();
        var (server, client, serving) = await ServeAsync(export, stop.Token);
        using var _ = client;
        // 32 x 1 MiB of replies, far more than the socket buffers hold, and the client reads none of them.
        for (var i = 0; i < 32; i++) await SendRequest(client, NbdCommand.Read, (ulong)i, (ulong)i << 20, 1 << 20);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var ended = 0; ended < 32;)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{ended} reads reached the export; {server.Counters}");
            if (!export.Reads.TryDequeue(out var read))
            {
                await Task.Delay(5);
                continue;
            }
            // The server's continuation runs here, inline: were it to write the reply itself, it would block on the full socket.
            var ending = Task.Run(read.SetResult);
            Assert.Same(ending, await Task.WhenAny(ending, Task.Delay(TimeSpan.FromSeconds(5))));   // else: ending the read blocked on a client that does not read
            ended++;
        }
        // Nothing was lost: the replies are all there once the client reads them.
        var cookies = new HashSet<ulong>();
        for (var i = 0; i < 32; i++)
        {
            var reply = await Read(client, 16 + (1 << 20)).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(NbdMagic.SimpleReply, BinaryPrimitives.ReadUInt32BigEndian(reply));
            cookies.Add(BinaryPrimitives.ReadUInt64BigEndian(reply.AsSpan(8)));
        }
        Assert.Equal(32, cookies.Count);
        stop.Cancel();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Many_small_replies_written_together_each_arrive_whole_and_in_step()
    {
        var export = new MemoryExport();
        var (server, client, serving) = await ServeAsync(export, CancellationToken.None);
        using var _ = client;
        // 200 writes of 512 bytes in one send: their 16-byte replies are gathered into few writes.
        var requests = new byte[200 * (28 + 512)];
        var w = new NbdWriter(requests);
        for (var i = 0; i < 200; i++)
        {
            new NbdRequest(NbdMagic.Request, 0, NbdCommand.Write, (ulong)(1000 + i), (ulong)(4096 + i * 512), 512).Write(ref w);
            w.Bytes(Enumerable.Repeat((byte)i, 512).ToArray());
        }
        await client.SendAsync(requests);
        var replies = await Read(client, 200 * 16).WaitAsync(TimeSpan.FromSeconds(10));
        var cookies = new HashSet<ulong>();
        for (var i = 0; i < 200; i++)
        {
            var reply = replies.AsSpan(i * 16, 16);
            Assert.Equal(NbdMagic.SimpleReply, BinaryPrimitives.ReadUInt32BigEndian(reply));
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(reply[4..]));
            cookies.Add(BinaryPrimitives.ReadUInt64BigEndian(reply[8..]));
        }
        Assert.Equal(Enumerable.Range(1000, 200).Select(c => (ulong)c).ToHashSet(), cookies);
        for (var i = 0; i < 200; i++) Assert.All(export.Data.AsSpan(4096 + i * 512, 512).ToArray(), b => Assert.Equal((byte)i, b));
        await SendRequest(client, NbdCommand.Disconnect, 1, 0, 0);
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_idle_connection_ends_at_once_when_the_server_shuts_down()
    {
        using var stop = new CancellationTokenSource();
        var (server, client, serving) = await ServeAsync(new MemoryExport(), stop.Token);
        using var _ = client;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        stop.Cancel();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the idle connection took {clock.Elapsed} to end");
        Assert.Equal(0, await client.ReceiveAsync(new byte[1]).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0L, server.Counters.ActiveConnections);
    }

    [Fact]
    public async Task A_client_that_never_finishes_the_handshake_is_dropped_after_the_timeout()
    {
        var server = new NbdServer(new Catalog(new MemoryExport()), new NbdServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(200) });
        var (stream, client) = await PairAsync();
        using var _ = client;
        await server.ServeAsync(stream, mayWrite: true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1L, server.Counters.ProtocolViolations);
    }
}
