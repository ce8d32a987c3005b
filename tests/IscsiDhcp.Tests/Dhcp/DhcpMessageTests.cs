using System.Net;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Tests.Dhcp;

public sealed class DhcpMessageTests
{
    static readonly DhcpClientIdentity Identity = new(DhcpClientIdentity.ParseMac("02:00:5e:10:00:01")) { HostName = "node1", VendorClass = "IscsiDhcp" };

    [Fact]
    public void A_discover_has_the_header_cookie_options_and_300_bytes()
    {
        var bytes = DhcpMessages.Discover(0xDEADBEEF, Identity, IPAddress.Parse("198.18.0.20")).Encode();
        Assert.Equal(300, bytes.Length);
        Assert.Equal(1, bytes[0]);                                   // BOOTREQUEST
        Assert.Equal(new byte[] { 1, 6 }, bytes[1..3]);              // Ethernet, 6-byte address
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }, bytes[4..8]);
        Assert.Equal(0x80, bytes[10]);                               // broadcast flag
        Assert.Equal(new byte[] { 0x02, 0x00, 0x5E, 0x10, 0x00, 0x01 }, bytes[28..34]);
        Assert.Equal(new byte[] { 99, 130, 83, 99 }, bytes[236..240]);
        Assert.Equal(new byte[] { 53, 1, 1 }, bytes[240..243]);      // the message type comes first

        var back = DhcpMessage.Parse(bytes);
        Assert.Equal(DhcpMessageType.Discover, back.MessageType);
        Assert.Equal("198.18.0.20", DhcpOptionRegistry.Decode(50, back.Get(DhcpOptionCode.RequestedIpAddress)!).ToString());
        Assert.Equal("node1", DhcpOptionRegistry.Decode(12, back.Get(DhcpOptionCode.HostName)!));
        Assert.Equal(new byte[] { 1, 2, 0, 0x5E, 0x10, 0, 1 }, back.Get(DhcpOptionCode.ClientIdentifier));
        Assert.Equal((ushort)1500, DhcpOptionRegistry.Decode(57, back.Get(DhcpOptionCode.MaxMessageSize)!));
    }

    [Fact]
    public void Each_request_kind_follows_RFC_2131_table_5()
    {
        var offer = new DhcpMessage { Op = DhcpMessage.BootReply, TransactionId = 7, YourAddress = IPAddress.Parse("198.18.0.30") }
            .Set(DhcpOptionCode.MessageType, [2]).Set(DhcpOptionCode.ServerIdentifier, [198, 18, 0, 1]);
        var selecting = DhcpMessages.RequestFromOffer(offer, Identity);
        Assert.Equal(IPAddress.Any, selecting.ClientAddress);
        Assert.Equal(new byte[] { 198, 18, 0, 30 }, selecting.Get(DhcpOptionCode.RequestedIpAddress));
        Assert.Equal(new byte[] { 198, 18, 0, 1 }, selecting.Get(DhcpOptionCode.ServerIdentifier));
        Assert.Equal(7u, selecting.TransactionId);

        var reboot = DhcpMessages.RequestInitReboot(8, Identity, IPAddress.Parse("198.18.0.30"));
        Assert.Null(reboot.Get(DhcpOptionCode.ServerIdentifier));
        Assert.NotNull(reboot.Get(DhcpOptionCode.RequestedIpAddress));

        var renew = DhcpMessages.RequestExtend(9, Identity, IPAddress.Parse("198.18.0.30"));
        Assert.Equal(IPAddress.Parse("198.18.0.30"), renew.ClientAddress);
        Assert.Null(renew.Get(DhcpOptionCode.RequestedIpAddress));
        Assert.Null(renew.Get(DhcpOptionCode.ServerIdentifier));

        var release = DhcpMessages.Release(10, Identity, IPAddress.Parse("198.18.0.30"), IPAddress.Parse("198.18.0.1"));
        Assert.Equal(DhcpMessageType.Release, release.MessageType);
        Assert.Null(release.Get(DhcpOptionCode.ParameterRequestList));

        var inform = DhcpMessages.Inform(11, Identity, IPAddress.Parse("198.18.0.99"));
        Assert.Equal(IPAddress.Parse("198.18.0.99"), inform.ClientAddress);
        Assert.NotNull(inform.Get(DhcpOptionCode.ParameterRequestList));
    }

    [Fact]
    public void Long_values_are_split_on_the_wire_and_joined_when_read()
    {
        var long600 = Enumerable.Range(0, 600).Select(i => (byte)i).ToArray();
        var m = new DhcpMessage().Set(DhcpOptionCode.MessageType, [1]).Set(200, long600);
        var bytes = m.Encode(1500);
        // Three instances of option 200: 255 + 255 + 90 bytes.
        Assert.Equal(3, CountInstances(bytes.AsSpan(240), 200));
        Assert.Equal(long600, DhcpMessage.Parse(bytes).Get(200));
    }

    static int CountInstances(ReadOnlySpan<byte> options, byte code)
    {
        var count = 0;
        for (var i = 0; i < options.Length && options[i] != 255;)
        {
            if (options[i] == 0) { i++; continue; }
            if (options[i] == code) count++;
            i += 2 + options[i + 1];
        }
        return count;
    }

    [Fact]
    public void Options_overloaded_into_file_and_sname_are_read_after_the_options_field()
    {
        var packet = new DhcpMessage { Op = DhcpMessage.BootReply }.Set(DhcpOptionCode.MessageType, [5]).Encode();
        // Rewrite: options field says overload=3 and carries part of option 15; file and sname carry the rest.
        var options = new byte[] { 53, 1, 5, 52, 1, 3, 15, 3, (byte)'e', (byte)'x', (byte)'a', 255 };
        options.CopyTo(packet, 240);
        new byte[] { 15, 5, (byte)'m', (byte)'p', (byte)'l', (byte)'e', (byte)'.', 51, 4, 0, 0, 0x0E, 0x10, 255 }.CopyTo(packet, 108);   // file
        new byte[] { 15, 3, (byte)'o', (byte)'r', (byte)'g', 255 }.CopyTo(packet, 44);                                                    // sname
        var m = DhcpMessage.Parse(packet);
        Assert.Equal("example.org", DhcpOptionRegistry.Decode(15, m.Get(DhcpOptionCode.DomainName)!));
        Assert.Equal(3600u, DhcpOptionRegistry.Decode(51, m.Get(DhcpOptionCode.LeaseTime)!));
        Assert.Equal("", m.BootFile);
        Assert.Null(m.Get(DhcpOptionCode.OptionOverload));
    }

    [Theory]
    [InlineData(100)]                       // shorter than a header
    [InlineData(-1)]                        // no cookie
    [InlineData(-2)]                        // option length past the end
    [InlineData(-3)]                        // no message type
    [InlineData(-4)]                        // a bad overload value
    public void Malformed_packets_are_rejected_as_format_errors(int kind)
    {
        var good = DhcpMessages.Discover(1, Identity).Encode();
        var bad = kind switch
        {
            100 => good[..100],
            -1 => Patch(good, 236, 0),
            -2 => Patch(Patch(good, 240, 12), 241, 250),
            -3 => Patch(good, 240, 255),
            _ => Patch(Patch(Patch(Patch(good, 240, 52), 241, 1), 242, 9), 243, 255),
        };
        Assert.Throws<DhcpFormatException>(() => DhcpMessage.Parse(bad));
    }

    static byte[] Patch(byte[] bytes, int at, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] = value;
        return copy;
    }

    [Fact]
    public void Random_bytes_never_escape_as_anything_but_a_format_error()
    {
        var random = new Random(1234);
        var template = DhcpMessages.Discover(1, Identity).Encode();
        for (var n = 0; n < 20_000; n++)
        {
            var packet = n % 2 == 0 ? (byte[])template.Clone() : new byte[random.Next(0, 700)];
            if (n % 2 == 0)
                for (var k = 0; k < 1 + random.Next(20); k++) packet[240 + random.Next(packet.Length - 240)] = (byte)random.Next(256);
            else random.NextBytes(packet);
            try
            {
                var m = DhcpMessage.Parse(packet);
                foreach (var option in m.Options) _ = DhcpOptionRegistry.Format(option.Code, option.Value);
            }
            catch (DhcpFormatException)
            {
            }
        }
    }

    [Fact]
    public void The_BOOTP_header_is_listed_once_in_wire_order_and_its_offsets_are_RFC_2131s()
    {
        Assert.Equal(["op", "htype", "hlen", "hops", "xid", "secs", "flags", "ciaddr", "yiaddr", "siaddr", "giaddr", "chaddr", "sname", "file"],
            DhcpMessage.Header.Select(f => f.Name));
        Assert.Equal([0, 1, 2, 3, 4, 8, 10, 12, 16, 20, 24, 28, 44, 108], DhcpMessage.Header.Select(f => f.Offset));
        Assert.Equal(DhcpMessage.HeaderLength, DhcpMessage.Header.Sum(f => f.Size));
    }

    [Fact]
    public void Every_header_field_goes_to_its_place_on_the_wire_and_comes_back()
    {
        var m = new DhcpMessage
        {
            Op = DhcpMessage.BootReply, HardwareType = 6, HardwareLength = 3, Hops = 2, TransactionId = 0xA1B2C3D4, Seconds = 513, Broadcast = true,
            ClientAddress = IPAddress.Parse("10.0.0.1"), YourAddress = IPAddress.Parse("10.0.0.2"), ServerAddress = IPAddress.Parse("10.0.0.3"),
            RelayAddress = IPAddress.Parse("10.0.0.4"), ServerName = "tftp.example", BootFile = "pxelinux.0",
        };
        m.ClientHardwareAddress[0] = 0xAA;
        m.ClientHardwareAddress[2] = 0xCC;
        m.Set(DhcpOptionCode.MessageType, [(byte)DhcpMessageType.Ack]);
        var packet = m.Encode();
        Assert.Equal([2, 6, 3, 2, 0xA1, 0xB2, 0xC3, 0xD4, 2, 1, 0x80, 0, 10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 3, 10, 0, 0, 4, 0xAA, 0, 0xCC], packet.Take(31));
        Assert.Equal("tftp.example"u8.ToArray(), packet.Skip(44).TakeWhile(b => b != 0));
        Assert.Equal("pxelinux.0"u8.ToArray(), packet.Skip(108).TakeWhile(b => b != 0));
        var back = DhcpMessage.Parse(packet);
        Assert.All(DhcpMessage.Header, f => Assert.Equal(f.Text(m), f.Text(back)));
        Assert.Equal(("aa:00:cc", "0xa1b2c3d4", "10.0.0.3"), (DhcpMessage.Field("CHADDR")!.Text(back), DhcpMessage.Field("xid")!.Text(back), DhcpMessage.Field("siaddr")!.Text(back)));
    }
}
