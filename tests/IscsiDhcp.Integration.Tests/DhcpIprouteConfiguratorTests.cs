using System.Globalization;
using System.Net;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Lab;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// The configurator on a link of the test's own: classless static routes (option 121)
/// get the lease's metric and proto, renewals take off only what the new lease dropped, and
/// removal leaves routes that others added, even to the same destinations.
/// </summary>
public sealed class DhcpIprouteConfiguratorTests : IDisposable
{
    readonly LabRun run = LabRun.Create();
    readonly string link;

    public DhcpIprouteConfiguratorTests()
    {
        // A veth pair (no dummy module here); the peer stays down and goes with the link.
        var name = run.NewName("ic");
        link = name + "c";
        run.Record(LabResourceKind.Link, link);
        CommandRunner.Check("ip", "link", "add", link, "type", "veth", "peer", "name", name + "p");
        CommandRunner.Check("ip", "link", "set", name + "p", "up");
        CommandRunner.Check("ip", "link", "set", link, "up");
        // An address of someone else's, so that the link keeps one when the lease's goes: the kernel
        // flushes every route of a link whose last IPv4 address is deleted, ours or not.
        CommandRunner.Check("ip", "addr", "add", $"{run.ReserveSubnet()}.254/32", "dev", link);
    }

    public void Dispose()
    {
        CommandRunner.Run("ip", "link", "del", link);
        run.Dispose();
    }

    /// <summary>An ACK for <paramref name="address"/>/24 with the given option 121 routes (destination, prefix, router).</summary>
    static DhcpLease Lease(string address, params (string Destination, int PrefixLength, string Router)[] routes)
    {
        var ack = new DhcpMessage { Op = DhcpMessage.BootReply, YourAddress = IPAddress.Parse(address) };
        ack.Set(DhcpOptionCode.MessageType, [(byte)DhcpMessageType.Ack]);
        ack.Set(DhcpOptionCode.SubnetMask, [255, 255, 255, 0]);
        var network = IPAddress.Parse(address).GetAddressBytes()[..3];
        ack.Set(DhcpOptionCode.ServerIdentifier, network.Append((byte)1).ToArray());
        ack.Set(DhcpOptionCode.LeaseTime, [0, 0, 0x0e, 0x10]);
        // The Router option is ignored when option 121 is present (RFC 3442): a route from it would be a bug.
        ack.Set(DhcpOptionCode.Router, network.Append((byte)99).ToArray());
        var encoded = new List<byte>();
        foreach (var (destination, prefixLength, router) in routes)
        {
            encoded.Add((byte)prefixLength);
            encoded.AddRange(IPAddress.Parse(destination).GetAddressBytes().Take((prefixLength + 7) / 8));
            encoded.AddRange(IPAddress.Parse(router).GetAddressBytes());
        }
        ack.Set(DhcpOptionCode.ClasslessStaticRoute, encoded.ToArray());
        return DhcpLease.FromAck(ack, DateTimeOffset.UtcNow);
    }

    List<string> Routes() =>
        CommandRunner.Check("ip", "-4", "-o", "route", "show", "table", "main", "dev", link).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Classless_routes_carry_the_lease_metric_and_proto_and_only_they_are_removed()
    {
        var subnet = run.ReserveSubnet();
        var far = run.ReserveSubnet();
        var other = run.ReserveSubnet();
        var metric = 200 + int.Parse(File.ReadAllText($"/sys/class/net/{link}/ifindex").Trim(), CultureInfo.InvariantCulture);
        Assert.Equal(metric, IprouteConfigurator.MetricOf(link));
        // Someone else's route to the same destination as one of the lease's, with their own metric.
        CommandRunner.Check("ip", "route", "add", $"{far}.0/24", "dev", link, "metric", "3000", "proto", "static");
        var before = Routes();

        var configurator = new IprouteConfigurator();
        var lease = Lease($"{subnet}.20",
            ($"{far}.0", 24, $"{subnet}.1"),          // via a router in the subnet
            ($"{other}.0", 24, "0.0.0.0"),            // on the link
            ($"{other}.128", 25, $"{other}.254"));    // via a router outside the subnet, reached on the link
        configurator.Apply(link, lease, null);
        var bound = Routes();
        Assert.Contains($"{far}.0/24 via {subnet}.1 proto dhcp metric {metric}", bound);
        Assert.Contains($"{other}.0/24 proto dhcp scope link metric {metric}", bound);
        Assert.Contains($"{other}.128/25 via {other}.254 proto dhcp metric {metric} onlink", bound);
        Assert.Contains($"{subnet}.0/24 proto kernel scope link src {subnet}.20 metric {metric}", bound);
        Assert.Contains($"{far}.0/24 proto static scope link metric 3000", bound);
        Assert.DoesNotContain(bound, line => line.Contains($"{subnet}.99", StringComparison.Ordinal));

        // A renewal applies again: nothing doubles, nothing fails.
        configurator.Apply(link, lease, lease);
        Assert.Equal(bound, Routes());

        // A renewal whose ACK drops a route takes that one off and keeps the rest.
        var renewed = Lease($"{subnet}.20", ($"{far}.0", 24, $"{subnet}.1"), ($"{other}.0", 24, "0.0.0.0"));
        configurator.Apply(link, renewed, lease);
        Assert.Equal(bound.Where(line => !line.StartsWith($"{other}.128/25", StringComparison.Ordinal)), Routes());

        configurator.Remove(link, renewed);
        Assert.Equal(before, Routes());
    }

    [Fact]
    public void A_route_of_the_same_destination_and_metric_that_the_lease_did_not_add_is_left_alone_and_reported()
    {
        var subnet = run.ReserveSubnet();
        var far = run.ReserveSubnet();
        var metric = IprouteConfigurator.MetricOf(link);
        CommandRunner.Check("ip", "route", "add", $"{far}.0/24", "dev", link, "metric", metric.ToString(CultureInfo.InvariantCulture), "proto", "static");
        var configurator = new IprouteConfigurator();
        var lease = Lease($"{subnet}.20", ($"{far}.0", 24, $"{subnet}.1"));
        var e = Assert.Throws<DhcpAgentException>(() => configurator.Apply(link, lease, null));
        Assert.Equal(DhcpAgentError.FailedInterface, e.Error);
        Assert.Contains("did not add", e.Message);
        configurator.Remove(link, lease);
        Assert.Contains($"{far}.0/24 proto static scope link metric {metric}", Routes());
    }
}
