using System.Net;
using System.Net.Sockets;
using IscsiDhcp.Iscsi.Transport;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>The PDU reader on a real socket: direct reads of large segments that also take the start of what follows.</summary>
public sealed class PduReaderTests
{
    [Fact]
    public async Task Large_segments_read_with_read_ahead_land_whole_and_in_order_however_the_bytes_arrive()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();

        // Headers of 48 bytes, segments of 9 KiB to 100 KiB, each followed by 4 bytes (a digest),
        // sent in pieces of random sizes: read-ahead must hand on whatever it took beyond a segment.
        var random = new Random(5);
        var pieces = Enumerable.Range(0, 40).Select(i => (Header: Bytes(random, 48), Segment: Bytes(random, random.Next(9 * 1024, 100 * 1024)), Digest: Bytes(random, 4))).ToArray();
        var wire = pieces.SelectMany(p => p.Header.Concat(p.Segment).Concat(p.Digest)).ToArray();
        var sending = Task.Run(async () =>
        {
            for (var at = 0; at < wire.Length;)
            {
                var n = Math.Min(wire.Length - at, random.Next(1, 70 * 1024));
                at += await server.SendAsync(wire.AsMemory(at, n));
            }
        });

        using var reader = new PduReader(new NetworkStream(client, ownsSocket: false), client);
        foreach (var (header, segment, digest) in pieces)
        {
            var h = new byte[48];
            reader.ReadExactly(h, 0, h.Length);
            Assert.Equal(header, h);
            reader.NoteSegment(segment.Length);
            var s = new byte[segment.Length + 10];
            reader.ReadExactly(s, 5, segment.Length);
            Assert.Equal(segment, s.AsSpan(5, segment.Length).ToArray());
            var d = new byte[4];
            reader.ReadExactly(d, 0, 4);
            Assert.Equal(digest, d);
        }
        await sending;
    }

    static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
