using System.Net;
using IscsiDhcp.Link;

namespace IscsiDhcp.Tests.Link;

/// <summary>The ARP codec against bytes written out by hand from RFC 826 and RFC 5227.</summary>
public sealed class ArpPacketTests
{
    static readonly byte[] Mac = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];

    [Fact]
    public void A_probe_is_a_request_from_0_0_0_0_for_the_address_with_a_zero_target_mac()
    {
        var bytes = ArpPacket.Probe(Mac, IPAddress.Parse("198.18.0.20")).ToArray();
        Assert.Equal(Convert.FromHexString("0001" + "0800" + "06" + "04" + "0001" + "021122334455" + "00000000" + "000000000000" + "C6120014"), bytes);
    }

    [Fact]
    public void An_announcement_names_the_address_as_sender_and_target()
    {
        var bytes = ArpPacket.Announcement(Mac, IPAddress.Parse("198.18.0.20")).ToArray();
        Assert.Equal(Convert.FromHexString("0001080006040001" + "021122334455" + "C6120014" + "000000000000" + "C6120014"), bytes);
    }

    [Fact]
    public void A_reply_padded_to_ethernets_minimum_parses()
    {
        var bytes = Convert.FromHexString("0001080006040002" + "0A0B0C0D0E0F" + "C6120014" + "021122334455" + "00000000" + new string('0', 36));
        Assert.True(ArpPacket.TryParse(bytes, out var reply));
        Assert.False(reply!.IsRequest);
        Assert.Equal(IPAddress.Parse("198.18.0.20"), reply.SenderAddress);
        Assert.Equal([0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F], reply.SenderMac);
        Assert.Equal(Mac, reply.TargetMac);
        Assert.Equal(IPAddress.Any, reply.TargetAddress);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00010800060400010A0B0C0D0E0FC6120014021122334455000000")]     // 27 bytes
    [InlineData("00060800060400010A0B0C0D0E0FC612001402112233445500000000")]   // IEEE 802 hardware
    [InlineData("000186DD060400010A0B0C0D0E0FC612001402112233445500000000")]   // IPv6 protocol type
    [InlineData("00010800080400010A0B0C0D0E0FC612001402112233445500000000")]   // 8-byte hardware address
    [InlineData("00010800061000010A0B0C0D0E0FC612001402112233445500000000")]   // 16-byte protocol address
    [InlineData("00010800060400030A0B0C0D0E0FC612001402112233445500000000")]   // RARP request
    [InlineData("00010800060400000A0B0C0D0E0FC612001402112233445500000000")]   // operation 0
    public void Frames_that_are_not_ethernet_ipv4_arp_requests_or_replies_are_refused(string hex)
    {
        Assert.False(ArpPacket.TryParse(Convert.FromHexString(hex), out var packet));
        Assert.Null(packet);
    }

    [Fact]
    public void Only_ipv4_addresses_and_six_byte_macs_make_packets()
    {
        Assert.Throws<ArgumentException>(() => ArpPacket.Probe([1, 2, 3], IPAddress.Parse("198.18.0.1")));
        Assert.Throws<ArgumentException>(() => ArpPacket.Announcement(Mac, IPAddress.IPv6Loopback));
    }
}
