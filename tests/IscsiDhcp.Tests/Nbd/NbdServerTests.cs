using System.Buffers.Binary;
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

    /// <summary>A connected pair of Unix sockets: the server's end as a stream, the client's as a socket.</summary>
    async Task<(NetworkStream Server, Socket Client)> PairAsync()
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N")[..8]);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return (new NetworkStream(await listener.AcceptAsync(), ownsSocket: true), client);
    }

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
        var server = new NbdServer(new Catalog(export));
        var (stream, client) = await PairAsync();
        using var _ = client;
        var serving = server.ServeAsync(stream, mayWrite: true, CancellationToken.None);
        await HandshakeAsync(client);

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
        var server = new NbdServer(new Catalog(export), new NbdServerOptions { MaximumPayload = 1 << 16, MaxBytesInFlight = 3 * ((1 << 16) + 64) });
        var (stream, client) = await PairAsync();
        using var _ = client;
        var serving = server.ServeAsync(stream, mayWrite: true, CancellationToken.None);
        await HandshakeAsync(client);
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
        var server = new NbdServer(new Catalog(export));
        var (stream, client) = await PairAsync();
        using var _ = client;
        using var stop = new CancellationTokenSource();
        var serving = server.ServeAsync(stream, mayWrite: true, stop.Token);
        await HandshakeAsync(client);
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
