using System.Buffers.Binary;
using System.Net.Sockets;
using IscsiDhcp.Nbd;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// A hand-driven NBD client for the hostile cases no real client sends: it speaks the wire
/// format byte by byte (through the codec's writer where the bytes are legal, raw where not).
/// </summary>
public sealed class NbdTestClient : IDisposable
{
    readonly Socket socket;
    readonly NetworkStream stream;
    ulong nextCookie = 1;

    NbdTestClient(Socket socket)
    {
        this.socket = socket;
        stream = new NetworkStream(socket, ownsSocket: true) { ReadTimeout = 30_000 };
    }

    public bool Structured { get; private set; }
    public ulong Size { get; private set; }
    public NbdExportFeatures Features { get; private set; }

    /// <summary>Connects and reads the greeting; sends <paramref name="clientFlags"/> unless null.</summary>
    public static async Task<NbdTestClient> ConnectAsync(string path, uint? clientFlags = (uint)NbdClientHandshake.FixedNewstyle)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        var client = new NbdTestClient(socket);
        var greeting = await client.ReadAsync(18);
        Assert.Equal(NbdMagic.InitPassword, BinaryPrimitives.ReadUInt64BigEndian(greeting));
        Assert.Equal(NbdMagic.IHaveOption, BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8)));
        if (clientFlags is { } flags) await client.SendAsync(U32(flags));
        return client;
    }

    public Task SendAsync(byte[] bytes) => stream.WriteAsync(bytes, 0, bytes.Length);

    public async Task<byte[]> ReadAsync(int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer);
        return buffer;
    }

    /// <summary>True when the server has closed the connection (a read ends at once with nothing).</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await stream.ReadAsync(one, timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true;   // reset
        }
    }

    public async Task SendOptionAsync(NbdOption option, byte[] data)
    {
        var bytes = new byte[16 + data.Length];
        var w = new NbdWriter(bytes);
        new NbdOptionHeader(NbdMagic.IHaveOption, option, (uint)data.Length).Write(ref w);
        w.Bytes(data);
        await SendAsync(bytes);
    }

    /// <summary>Reads option replies up to the final one (ACK or an error); each as its type and data.</summary>
    public async Task<List<(NbdOptionReplyType Type, byte[] Data)>> OptionRepliesAsync(NbdOption option)
    {
        var replies = new List<(NbdOptionReplyType, byte[])>();
        while (true)
        {
            var header = await ReadAsync(20);
            Assert.Equal(NbdMagic.OptionReply, BinaryPrimitives.ReadUInt64BigEndian(header));
            Assert.Equal((uint)option, BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)));
            var type = (NbdOptionReplyType)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
            var data = await ReadAsync((int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16)));
            replies.Add((type, data));
            if (type == NbdOptionReplyType.Ack || ((uint)type & 0x80000000) != 0) return replies;
        }
    }

    public async Task<NbdOptionReplyType> OptionAsync(NbdOption option, byte[] data)
    {
        await SendOptionAsync(option, data);
        return (await OptionRepliesAsync(option))[^1].Type;
    }

    /// <summary>Optionally negotiates structured replies, then NBD_OPT_GO with a block size request; the final reply type.</summary>
    public async Task<NbdOptionReplyType> GoAsync(string name, bool structured)
    {
        if (structured)
        {
            Assert.Equal(NbdOptionReplyType.Ack, await OptionAsync(NbdOption.StructuredReply, []));
            Structured = true;
        }
        await SendOptionAsync(NbdOption.Go, new NbdExportQuery(name, [NbdInfoType.BlockSize]).ToBytes());
        var replies = await OptionRepliesAsync(NbdOption.Go);
        foreach (var (type, data) in replies)
        {
            if (type != NbdOptionReplyType.Info || BinaryPrimitives.ReadUInt16BigEndian(data) != (ushort)NbdInfoType.Export) continue;
            Size = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(2));
            Features = (NbdExportFeatures)BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(10));
        }
        return replies[^1].Type;
    }

    public async Task<ulong> SendRequestAsync(NbdCommand command, ulong offset, uint length, NbdRequestModifiers flags = 0, byte[]? payload = null, uint magic = NbdMagic.Request)
    {
        var cookie = nextCookie++;
        var bytes = new byte[28 + (payload?.Length ?? 0)];
        var w = new NbdWriter(bytes);
        new NbdRequest(magic, flags, command, cookie, offset, length).Write(ref w);
        if (payload is not null) w.Bytes(payload);
        await SendAsync(bytes);
        return cookie;
    }

    /// <summary>One whole reply: its cookie, error, and read data (simple replies carry data only for a successful read of <paramref name="readLength"/>).</summary>
    public async Task<(ulong Cookie, NbdError Error, byte[] Data)> ReplyAsync(int readLength = 0)
    {
        if (!Structured)
        {
            var simple = await ReadAsync(16);
            Assert.Equal(NbdMagic.SimpleReply, BinaryPrimitives.ReadUInt32BigEndian(simple));
            var error = (NbdError)BinaryPrimitives.ReadUInt32BigEndian(simple.AsSpan(4));
            var cookie = BinaryPrimitives.ReadUInt64BigEndian(simple.AsSpan(8));
            return (cookie, error, error == NbdError.None && readLength > 0 ? await ReadAsync(readLength) : []);
        }
        var data = new MemoryStream();
        var result = NbdError.None;
        while (true)
        {
            var header = await ReadAsync(4);
            var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (magic == NbdMagic.SimpleReply)
            {
                var rest = await ReadAsync(12);
                return (BinaryPrimitives.ReadUInt64BigEndian(rest.AsSpan(4)), (NbdError)BinaryPrimitives.ReadUInt32BigEndian(rest), []);
            }
            Assert.Equal(NbdMagic.StructuredReply, magic);
            var chunk = await ReadAsync(16);
            var done = (BinaryPrimitives.ReadUInt16BigEndian(chunk) & 1) != 0;
            var type = (NbdReplyType)BinaryPrimitives.ReadUInt16BigEndian(chunk.AsSpan(2));
            var cookie = BinaryPrimitives.ReadUInt64BigEndian(chunk.AsSpan(4));
            var payload = await ReadAsync((int)BinaryPrimitives.ReadUInt32BigEndian(chunk.AsSpan(12)));
            if (type == NbdReplyType.OffsetData) data.Write(payload, 8, payload.Length - 8);
            else if (type == NbdReplyType.Error) result = (NbdError)BinaryPrimitives.ReadUInt32BigEndian(payload);
            if (done) return (cookie, result, data.ToArray());
        }
    }

    static byte[] U32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    public void Dispose() => stream.Dispose();
}
