using System.Net;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Tests.Dhcp;

public sealed class DhcpOptionTests
{
    [Fact]
    public void Domain_search_decodes_the_RFC_3397_example_with_compression()
    {
        // "eng.apple.com." and "marketing.apple.com." with the second pointing into the first.
        byte[] value =
        [
            3, (byte)'e', (byte)'n', (byte)'g', 5, (byte)'a', (byte)'p', (byte)'p', (byte)'l', (byte)'e', 3, (byte)'c', (byte)'o', (byte)'m', 0,
            9, (byte)'m', (byte)'a', (byte)'r', (byte)'k', (byte)'e', (byte)'t', (byte)'i', (byte)'n', (byte)'g', 0xC0, 0x04,
        ];
        Assert.Equal(new[] { "eng.apple.com", "marketing.apple.com" }, (string[])DhcpOptionRegistry.Decode(119, value));
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0x00 })]                               // a pointer to itself
    [InlineData(new byte[] { 1, (byte)'a', 0xC0, 0x05 })]                 // a pointer forwards
    [InlineData(new byte[] { 3, (byte)'a', 0 })]                          // a label past the end
    [InlineData(new byte[] { 1, (byte)'a' })]                             // no terminating zero
    [InlineData(new byte[] { 0x80, 0 })]                                  // reserved label form
    [InlineData(new byte[] { })]                                          // empty where a value is required
    public void Bad_names_pointer_loops_and_truncation_are_rejected(byte[] value)
    {
        Assert.Throws<DhcpFormatException>(() => DhcpOptionRegistry.Decode(119, value));
    }

    [Fact]
    public void A_chain_of_backward_pointers_ends_and_loops_cannot_form()
    {
        // name at 0, then a name pointing to a pointer that points to 0: fine; the reverse would be a loop.
        byte[] value = [1, (byte)'a', 0, 1, (byte)'b', 0xC0, 0x00, 0xC0, 0x03];
        Assert.Equal(new[] { "a", "b.a", "b.a" }, (string[])DhcpOptionRegistry.Decode(119, value));
    }

    [Fact]
    public void Classless_routes_decode_the_RFC_3442_encodings()
    {
        byte[] value =
        [
            0, 198, 18, 0, 1,                    // default route via 198.18.0.1
            8, 10, 198, 18, 0, 2,                // 10/8 via 198.18.0.2
            24, 192, 0, 2, 0, 0, 0, 0,           // 192.0.2.0/24 on-link
            32, 203, 0, 113, 7, 198, 18, 0, 3,   // a host route
        ];
        var routes = (ClasslessRoute[])DhcpOptionRegistry.Decode(121, value);
        Assert.Equal(new[] { "0.0.0.0/0 via 198.18.0.1", "10.0.0.0/8 via 198.18.0.2", "192.0.2.0/24 via 0.0.0.0", "203.0.113.7/32 via 198.18.0.3" },
            routes.Select(r => r.ToString()));
        Assert.Equal(value, DhcpOptionRegistry.EncodeClasslessRoutes(routes));
        Assert.Throws<DhcpFormatException>(() => DhcpOptionRegistry.Decode(121, [33, 1, 2, 3, 4, 5, 6, 7, 8]));
        Assert.Throws<DhcpFormatException>(() => DhcpOptionRegistry.Decode(121, [24, 192, 0, 2, 198]));
    }

    [Fact]
    public void Typed_values_check_their_lengths()
    {
        Assert.Equal(IPAddress.Parse("255.255.255.0"), DhcpOptionRegistry.Decode(1, [255, 255, 255, 0]));
        Assert.Throws<DhcpFormatException>(() => DhcpOptionRegistry.Decode(1, [255, 255, 255]));
        Assert.Equal(2, ((IPAddress[])DhcpOptionRegistry.Decode(6, [1, 1, 1, 1, 8, 8, 8, 8])).Length);
        Assert.Throws<DhcpFormatException>(() => DhcpOptionRegistry.Decode(6, [1, 1, 1, 1, 8]));
        Assert.Throws<DhcpFormatException>(() => DhcpOptionRegistry.Decode(3, []));
        Assert.Throws<DhcpFormatException>(() => DhcpOptionRegistry.Decode(51, [0, 0, 1]));
        Assert.Throws<DhcpFormatException>(() => DhcpOptionRegistry.Decode(12, []));
        Assert.Equal(new byte[] { 9, 9 }, DhcpOptionRegistry.Decode(222, [9, 9]));   // unknown: raw
    }

    [Fact]
    public void Vendor_and_relay_sub_options_user_classes_and_FQDN_parse()
    {
        var vendor = (IReadOnlyDictionary<byte, byte[]>)DhcpOptionRegistry.Decode(43, [1, 2, 0xAA, 0xBB, 0, 2, 1, 0xCC, 255]);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, vendor[1]);
        Assert.Equal(new byte[] { 0xCC }, vendor[2]);
        Assert.Throws<DhcpFormatException>(() => DhcpOptionRegistry.Decode(82, [1, 9, 0]));
        Assert.Equal(new[] { "gold", "x" }, (string[])DhcpOptionRegistry.Decode(77, [4, (byte)'g', (byte)'o', (byte)'l', (byte)'d', 1, (byte)'x']));
        var fqdn = (ClientFqdn)DhcpOptionRegistry.Decode(81, [0x05, 0, 0, .. DnsNameCodec.Encode(["host.example.org"])]);
        Assert.Equal("host.example.org", fqdn.Name);
        Assert.Equal(0x05, fqdn.Flags);
    }

    [Theory]
    // RFC 2132's own names, written as identifiers, as words, and as ISC dhcpd / dnsmasq spell them.
    [InlineData("IpAddressLeaseTime", 51)]
    [InlineData("IP Address Lease Time", 51)]
    [InlineData("dhcp-lease-time", 51)]
    [InlineData("lease-time", 51)]
    [InlineData("RenewalTimeValue", 58)]
    [InlineData("dhcp-renewal-time", 58)]
    [InlineData("T1", 58)]
    [InlineData("RebindingTimeValue", 59)]
    [InlineData("T2", 59)]
    [InlineData("Routers", 3)]
    [InlineData("router", 3)]
    [InlineData("Domain Name Server", 6)]
    [InlineData("domain-name-servers", 6)]
    [InlineData("dns-server", 6)]
    [InlineData("subnet_mask", 1)]
    [InlineData("netmask", 1)]
    [InlineData("ServerIdentifier", 54)]
    [InlineData("dhcp-server-identifier", 54)]
    [InlineData("DhcpMessageType", 53)]
    [InlineData("Maximum DHCP Message Size", 57)]
    [InlineData("VendorSpecificInformation", 43)]
    [InlineData("vendor-encapsulated-options", 43)]
    [InlineData("NetworkTimeProtocolServers", 42)]
    [InlineData("ntp-servers", 42)]
    [InlineData("interface-mtu", 26)]
    [InlineData("classless-static-route", 121)]
    [InlineData("DomainSearch", 119)]
    [InlineData("Requested IP Address", 50)]
    [InlineData("host-name", 12)]
    [InlineData("Bootfile Name", 67)]
    [InlineData("tftp-server-name", 66)]
    public void RFC_2132_names_and_common_spellings_are_known(string name, int code) =>
        Assert.Equal((byte)code, DhcpOptionRegistry.CodeOf(name));

    [Fact]
    public void Every_name_offered_for_completion_is_known_and_the_module_names_come_first()
    {
        Assert.Contains("IpAddressLeaseTime", DhcpOptionRegistry.Names);
        Assert.Contains("LeaseTime", DhcpOptionRegistry.Names);
        Assert.DoesNotContain("Pad", DhcpOptionRegistry.Names);
        Assert.DoesNotContain("End", DhcpOptionRegistry.Names);
        foreach (var name in DhcpOptionRegistry.Names) Assert.NotNull(DhcpOptionRegistry.CodeOf(name));
        Assert.Null(DhcpOptionRegistry.CodeOf(""));
        Assert.Null(DhcpOptionRegistry.CodeOf("- _"));
        Assert.Null(DhcpOptionRegistry.CodeOf("51"));   // a number is -Code's
    }

    [Fact]
    public void Names_map_to_codes_both_ways()
    {
        Assert.Equal((byte)121, DhcpOptionRegistry.CodeOf("classlessstaticroute"));
        Assert.Equal("DomainSearch", DhcpOptionRegistry.NameOf(119));
        Assert.Equal("Option222", DhcpOptionRegistry.NameOf(222));
        Assert.Null(DhcpOptionRegistry.CodeOf("End"));
        Assert.Null(DhcpOptionRegistry.CodeOf("NoSuchOption"));
    }

    [Theory]
    [InlineData("02:00:00:00:00:01")]
    [InlineData("02-00-00-00-00-01")]
    public void MAC_addresses_parse(string text)
    {
        Assert.Equal(new byte[] { 2, 0, 0, 0, 0, 1 }, DhcpClientIdentity.ParseMac(text));
    }

    [Theory]
    [InlineData("02:00:00:00:00")]
    [InlineData("zz:00:00:00:00:01")]
    public void Bad_MAC_addresses_are_refused_by_name(string text)
    {
        Assert.Contains(text, Assert.Throws<ArgumentException>(() => DhcpClientIdentity.ParseMac(text)).Message);
    }

    [Fact]
    public void An_unknown_interface_is_refused_by_name()
    {
        Assert.Contains("no-such-if0", Assert.Throws<ArgumentException>(() => LocalInterfaces.HardwareAddress("no-such-if0")).Message);
    }

    [Fact]
    public void RFC_4361_client_identifiers_carry_IAID_and_DUID()
    {
        var id = DhcpClientIdentity.ClientIdFromDuid(0x01020304, [0, 1, 0, 1, 0xAA, 0xBB]);
        Assert.Equal(new byte[] { 255, 1, 2, 3, 4, 0, 1, 0, 1, 0xAA, 0xBB }, id);
    }
}
