using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Tests.Iscsi;

public sealed class Crc32CTests
{
    // RFC 3720 appendix B.4; the CRC is shown as the bytes sent, least significant first.
    public static TheoryData<byte[], uint> Vectors() => new()
    {
        { new byte[32], 0x8A9136AA },
        { Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43 },
        { Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794E },
        { Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5C },
        {
            new byte[]
            {
                0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
                0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            },
            0xD9963A56
        },
        { "123456789"u8.ToArray(), 0xE3069283 },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Matches_the_RFC_3720_vectors(byte[] data, uint crc)
    {
        Assert.Equal(crc, Crc32C.Compute(data));
    }

    [Fact]
    public void Appending_in_pieces_equals_computing_at_once()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        for (var cut = 0; cut <= data.Length; cut += 37)
        {
            var state = Crc32C.Append(Crc32C.Start, data.AsSpan(0, cut));
            Assert.Equal(Crc32C.Compute(data), Crc32C.Finish(Crc32C.Append(state, data.AsSpan(cut))));
        }
    }

    [Fact]
    public void Agrees_with_a_bitwise_reference_on_random_lengths()
    {
        var random = new Random(11);
        for (var n = 0; n < 200; n++)
        {
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(data);
            Assert.Equal(Bitwise(data), Crc32C.Compute(data));
        }
    }

    static uint Bitwise(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }
}
