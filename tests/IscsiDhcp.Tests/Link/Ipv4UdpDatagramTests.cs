using System.Buffers.Binary;
using System.Net;
using IscsiDhcp.Link;

namespace IscsiDhcp.Tests.Link;

public sealed class Ipv4UdpDatagramTests
{
    [Fact]
    public void The_checksum_is_RFC_1071s_example()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        Assert.Equal(0x220d, InternetChecksum.Compute(new byte[] { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 }));
    }

    [Fact]
    public void An_odd_last_byte_counts_as_the_high_half_of_a_word()
    {
        Assert.Equal(InternetChecksum.Compute(new byte[] { 0x12, 0x34, 0x56, 0x00 }), InternetChecksum.Compute(new byte[] { 0x12, 0x34, 0x56 }));
    }

    [Fact]
    public void The_checksum_of_a_known_IPv4_header_matches()
    {
        // 192.168.0.1 -> 192.168.0.199, UDP, TTL 64, DF, 115 bytes: checksum b861.
        var header = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");
        Assert.Equal(0xb861, InternetChecksum.Compute(header));
    }

    [Fact]
    public void A_DHCP_discover_from_no_address_is_a_valid_broadcast_datagram()
    {
        var payload = new byte[300];
        new Random(5).NextBytes(payload);
        var buffer = new byte[Ipv4UdpDatagram.HeaderLength + payload.Length];

        var length = Ipv4UdpDatagram.Write(buffer, IPAddress.Any, 68, IPAddress.Broadcast, 67, payload);

        Assert.Equal(buffer.Length, length);
        var ip = buffer.AsSpan(0, 20);
        Assert.Equal(0x45, ip[0]);
        Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(ip[2..]));
        Assert.Equal(17, ip[9]);
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, ip[12..16].ToArray());
        Assert.Equal(new byte[] { 255, 255, 255, 255 }, ip[16..20].ToArray());
        Assert.Equal(0, InternetChecksum.Compute(ip));   // a valid header sums to all ones

        var udp = buffer.AsSpan(20);
        Assert.Equal(68, BinaryPrimitives.ReadUInt16BigEndian(udp));
        Assert.Equal(67, BinaryPrimitives.ReadUInt16BigEndian(udp[2..]));
        Assert.Equal(8 + payload.Length, BinaryPrimitives.ReadUInt16BigEndian(udp[4..]));
        Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(udp[6..]));
        Assert.Equal(0, Ipv4UdpDatagram.UdpChecksum(ip[12..16], ip[16..20], udp));
        Assert.Equal(payload, udp[8..].ToArray());
    }

    [Fact]
    public void A_changed_payload_byte_breaks_the_UDP_checksum()
    {
        var payload = new byte[64];
        var buffer = new byte[Ipv4UdpDatagram.HeaderLength + payload.Length];
        Ipv4UdpDatagram.Write(buffer, IPAddress.Parse("198.18.0.9"), 68, IPAddress.Parse("198.18.0.1"), 67, payload);
        buffer[^1] ^= 0x01;
        Assert.NotEqual(0, Ipv4UdpDatagram.UdpChecksum(buffer.AsSpan(12, 4), buffer.AsSpan(16, 4), buffer.AsSpan(20)));
    }

    [Fact]
    public void IPv6_addresses_and_short_buffers_are_refused()
    {
        var buffer = new byte[100];
        Assert.Throws<ArgumentException>(() => Ipv4UdpDatagram.Write(buffer, IPAddress.IPv6Loopback, 68, IPAddress.Broadcast, 67, new byte[10]));
        Assert.Throws<ArgumentException>(() => Ipv4UdpDatagram.Write(buffer, IPAddress.Any, 68, IPAddress.Broadcast, 67, new byte[90]));
    }
}
