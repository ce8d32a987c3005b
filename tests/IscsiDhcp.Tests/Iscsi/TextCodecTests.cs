using System.Text;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Tests.Iscsi;

public sealed class TextCodecTests
{
    [Fact]
    public void Pairs_round_trip_in_order_with_repeated_keys()
    {
        var pairs = new[]
        {
            new TextKeyValue("TargetName", "iqn.2026-11.org.example:a"),
            new TextKeyValue("TargetAddress", "[::1]:3260,1"),
            new TextKeyValue("TargetAddress", "127.0.0.1:3260,1"),
            new TextKeyValue("InitiatorAlias", "zoë"),
        };
        var bytes = TextCodec.Encode(pairs);
        Assert.Equal(0, bytes[^1]);
        var back = TextCodec.Decode(bytes);
        Assert.Equal(pairs.Select(p => (p.Key, p.Value)), back.Select(p => (p.Key, p.Value)));
    }

    [Theory]
    [InlineData("NoEquals\0")]
    [InlineData("=value\0")]
    [InlineData("Key=unterminated")]
    public void Malformed_text_is_a_protocol_error(string text)
    {
        Assert.Throws<IscsiProtocolException>(() => TextCodec.Decode(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Keys_longer_than_63_bytes_and_invalid_UTF8_are_rejected()
    {
        Assert.Throws<IscsiProtocolException>(() => TextCodec.Decode(Encoding.UTF8.GetBytes(new string('K', 64) + "=v\0")));
        Assert.Throws<IscsiProtocolException>(() => TextCodec.Decode(new byte[] { (byte)'K', (byte)'=', 0xC3, 0x28, 0 }));
        Assert.Throws<ArgumentException>(() => TextCodec.Encode([new TextKeyValue("A=B", "x")]));
    }

    [Fact]
    public void A_pair_split_across_PDUs_is_joined()
    {
        var collector = new TextSegmentCollector(1024);
        collector.Append("TargetName=iqn.a\0TargetAdd"u8);
        collector.Append("ress=10.0.0.1:3260,1\0"u8);
        var pairs = collector.Take();
        Assert.Equal("10.0.0.1:3260,1", pairs[1].Value);
        Assert.Equal(0, collector.Length);
    }

    [Fact]
    public void The_collector_refuses_more_than_its_bound()
    {
        var collector = new TextSegmentCollector(16);
        collector.Append(new byte[10]);
        Assert.Throws<IscsiProtocolException>(() => collector.Append(new byte[7]));
    }

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1", 3260, null)]
    [InlineData("192.0.2.1:3261,2", "192.0.2.1", 3261, (ushort)2)]
    [InlineData("target.example.com:860", "target.example.com", 860, null)]
    [InlineData("[2001:db8::1]:3260,1", "2001:db8::1", 3260, (ushort)1)]
    [InlineData("[::1]", "::1", 3260, null)]
    public void Target_addresses_parse(string text, string host, int port, ushort? tag)
    {
        var address = TargetAddress.Parse(text);
        Assert.Equal((host, port, tag), (address.Host, address.Port, address.PortalGroupTag));
        Assert.Equal(address, TargetAddress.Parse(address.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2001:db8::1")]
    [InlineData("[2001:db8::1")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:12,x")]
    [InlineData("[not-an-ip]:3260")]
    public void Bad_target_addresses_are_refused(string text)
    {
        Assert.False(TargetAddress.TryParse(text, out _));
    }
}
