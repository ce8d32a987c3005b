using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Dhcp;

namespace IscsiDhcp.Integration.Tests;

/// <summary>The DHCP agent against dnsmasq and kea: commands by state, pending and timeouts, configuration, restart.</summary>
public sealed class DhcpAgentTests : IDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    static readonly DhcpClientOptions Quick = new() { StartDelayMax = TimeSpan.Zero };
    // For leases of a few seconds: RFC 5227's probe after the ACK (4 to 7 s, longer on a loaded
    // machine) would outlast the lease, which then expires as soon as it is bound.
    static readonly DhcpClientOptions Unprobed = Quick with { ConflictDetection = false };
    readonly LabRun run = LabRun.Create();

    public void Dispose() => run.Dispose();

    DhcpAgent NewAgent() => new(new DhcpLeaseStore(Path.Combine(run.Directory, "agent-leases")));

    static DhcpStartRequest Request(DhcpTestNetwork network, bool configure = false) =>
        new(network.ClientInterface) { ClientOptions = Quick, Configure = configure };

    static List<string> Addresses(string interfaceName)
    {
        var json = CommandRunner.Check("ip", "-j", "addr", "show", "dev", interfaceName).StandardOutput;
        return JsonDocument.Parse(json).RootElement.EnumerateArray()
            .SelectMany(i => i.GetProperty("addr_info").EnumerateArray())
            .Where(a => a.GetProperty("family").GetString() == "inet")
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}")
            .ToList();
    }

    static List<string> Routes(string interfaceName)
    {
        var json = CommandRunner.Check("ip", "-j", "route", "show", "dev", interfaceName).StandardOutput;
        return JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(r => r.GetProperty("dst").GetString() + (r.TryGetProperty("gateway", out var g) ? " via " + g.GetString() : ""))
            .ToList();
    }

    [Fact]
    public async Task Configure_puts_address_and_routes_on_the_interface_and_release_removes_them()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        using var agent = NewAgent();
        var status = await agent.StartAsync(Request(network, configure: true), Wait);
        Assert.Equal(DhcpClientState.Bound, status.State);
        Assert.True(status.Configured);
        Assert.Contains($"{status.Address}/24", Addresses(network.ClientInterface));
        Assert.Contains($"default via {network.ServerAddress}", Routes(network.ClientInterface));

        var released = agent.Release(network.ClientInterface);
        Assert.Equal(DhcpClientState.Stopped, released.State);
        Assert.DoesNotContain($"{status.Address}/24", Addresses(network.ClientInterface));
        Assert.DoesNotContain($"default via {network.ServerAddress}", Routes(network.ClientInterface));
        var e = Assert.Throws<DhcpAgentException>(() => agent.Status(network.ClientInterface));
        Assert.Equal(DhcpAgentError.UnknownInterface, e.Error);
    }

    /// <summary>
    /// The main table's routes to a destination, as "dst via gw dev metric proto" lines: on the
    /// host's own interfaces and on <paramref name="ours"/>, not on the lab interfaces of tests
    /// running beside this one (whose routes come and go while it runs).
    /// </summary>
    static List<string> RoutesTo(string destination, string ours)
    {
        var json = CommandRunner.Check("ip", "-4", "-j", "route", "show", "table", "main", "exact", destination).StandardOutput;
        return JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Where(r => r.GetProperty("dev").GetString() is var dev && (dev == ours || !DhcpTestNetwork.IsLinkName(dev ?? "")))
            .Select(r => r.GetProperty("dst").GetString()
                + (r.TryGetProperty("gateway", out var g) ? " via " + g.GetString() : "")
                + " dev " + r.GetProperty("dev").GetString()
                + " metric " + (r.TryGetProperty("metric", out var m) ? m.GetInt32() : 0)
                + " proto " + (r.TryGetProperty("protocol", out var p) ? p.GetString() : "boot"))
            .OrderBy(line => line, StringComparer.Ordinal)
            .ToList();
    }

    static int InterfaceIndex(string interfaceName) =>
        int.Parse(File.ReadAllText($"/sys/class/net/{interfaceName}/ifindex").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(DhcpServerKind.Dnsmasq)]
    [InlineData(DhcpServerKind.Kea)]
    public async Task A_default_route_from_the_lease_is_added_beside_the_existing_ones_and_release_removes_only_it(DhcpServerKind server)
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = server, LeaseTime = TimeSpan.FromMinutes(10) });
        // A default route of someone else's on the lab interface itself (high metric: it never carries the host's
        // traffic), and an address of theirs so that the interface keeps one when the lease's goes (the kernel
        // flushes every route of an interface when its last IPv4 address is deleted).
        network.ConfigureClientAddress($"{network.Prefix}.251", 32);
        var theirs = $"default via {network.ServerAddress} dev {network.ClientInterface} metric 4000 proto static";
        CommandRunner.Check("ip", "route", "add", "default", "via", network.ServerAddress, "dev", network.ClientInterface, "metric", "4000", "proto", "static", "onlink");
        var before = RoutesTo("0.0.0.0/0", network.ClientInterface);
        Assert.Contains(theirs, before);
        using var agent = NewAgent();
        var status = await agent.StartAsync(Request(network, configure: true), Wait);
        Assert.True(status.Configured);

        var metric = 200 + InterfaceIndex(network.ClientInterface);   // dhcpcd's choice: 200 + the interface index
        var ours = $"default via {network.ServerAddress} dev {network.ClientInterface} metric {metric} proto dhcp";
        var bound = RoutesTo("0.0.0.0/0", network.ClientInterface);
        Assert.Equal(before.Append(ours).OrderBy(line => line, StringComparer.Ordinal), bound);
        // The subnet route of the address carries the lease's metric too.
        Assert.Contains($"{network.Prefix}.0/24 dev {network.ClientInterface} metric {metric} proto kernel", RoutesTo($"{network.Prefix}.0/24", network.ClientInterface));

        var extended = await agent.ExtendAsync(network.ClientInterface, wait: Wait);   // a renewal re-applies: still one route of ours
        Assert.Equal(status.Address, extended.Address);
        Assert.Equal(bound, RoutesTo("0.0.0.0/0", network.ClientInterface));

        agent.Release(network.ClientInterface);
        Assert.Equal(before, RoutesTo("0.0.0.0/0", network.ClientInterface));
    }

    [Theory]
    [InlineData(DhcpServerKind.Dnsmasq)]
    [InlineData(DhcpServerKind.Kea)]
    public async Task After_a_NAK_the_refused_address_leaves_the_interface_at_once(DhcpServerKind server)
    {
        // A lease an earlier run configured and dropped (its address stays on the interface, the
        // lease on disk), for an address the server will not confirm (outside its pool): the
        // INIT-REBOOT is NAKed, and the address must go then, not when its lifetime ends.
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = server, LeaseTime = TimeSpan.FromMinutes(10) });
        var store = new DhcpLeaseStore(Path.Combine(run.Directory, "agent-leases"));
        var identity = new DhcpClientIdentity(LocalInterfaces.HardwareAddress(network.ClientInterface));
        var refused = $"{network.Prefix}.200";
        var ack = new DhcpMessage { Op = DhcpMessage.BootReply, YourAddress = IPAddress.Parse(refused) };
        ack.Set(DhcpOptionCode.MessageType, [(byte)DhcpMessageType.Ack]);
        ack.Set(DhcpOptionCode.SubnetMask, [255, 255, 255, 0]);
        ack.Set(DhcpOptionCode.ServerIdentifier, IPAddress.Parse(network.ServerAddress).GetAddressBytes());
        ack.Set(DhcpOptionCode.LeaseTime, [0, 0, 0x0e, 0x10]);
        store.Save(network.ClientInterface, identity.ClientId, DhcpLease.FromAck(ack, DateTimeOffset.UtcNow));
        network.ConfigureClientAddress(refused, 24);

        using var agent = new DhcpAgent(store);
        var naks = 0;
        agent.LeaseEvent += (_, e) => { if (e.Event.Kind == DhcpLeaseEventKind.Nak) Interlocked.Increment(ref naks); };
        var status = await agent.StartAsync(Request(network, configure: true), Wait);
        Assert.Equal(1, naks);
        Assert.Equal(DhcpClientState.Bound, status.State);
        Assert.NotEqual(refused, status.Address!.ToString());
        Assert.Equal([$"{status.Address}/24"], Addresses(network.ClientInterface));
        agent.Release(network.ClientInterface);
    }

    [Fact]
    public async Task Drop_keeps_the_address_on_the_interface_and_the_lease_on_disk()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Kea, LeaseTime = TimeSpan.FromMinutes(10) });
        var store = new DhcpLeaseStore(Path.Combine(run.Directory, "agent-leases"));
        using var agent = new DhcpAgent(store);
        var status = await agent.StartAsync(Request(network, configure: true), Wait);
        agent.Drop(network.ClientInterface);
        Assert.Contains($"{status.Address}/24", Addresses(network.ClientInterface));
        var identity = new DhcpClientIdentity(LocalInterfaces.HardwareAddress(network.ClientInterface));
        Assert.Equal(status.Address, store.Load(network.ClientInterface, identity.ClientId, DateTimeOffset.UtcNow)!.Address);
    }

    [Fact]
    public async Task A_restarted_agent_INIT_REBOOTs_to_the_same_address_without_a_discover()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        DhcpLeaseStatus first;
        using (var agent = NewAgent()) first = await agent.StartAsync(Request(network), Wait);   // Dispose drops and keeps the lease
        var discovers = Regex.Count(network.ReadServerLog(), "DHCPDISCOVER");
        using var restarted = NewAgent();
        var again = await restarted.StartAsync(Request(network), Wait);
        Assert.Equal(first.Address, again.Address);
        Assert.Equal(discovers, Regex.Count(network.ReadServerLog(), "DHCPDISCOVER"));
    }

    [Fact]
    public async Task A_wait_can_time_out_while_the_transaction_goes_on_and_a_second_command_is_refused()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        using var agent = NewAgent();
        network.Server.Suspend();
        try
        {
            var timeout = await Assert.ThrowsAsync<DhcpAgentException>(() => agent.StartAsync(Request(network), TimeSpan.FromSeconds(1)));
            Assert.Equal(DhcpAgentError.Timeout, timeout.Error);
            var status = agent.Status(network.ClientInterface);
            Assert.Equal(DhcpCommand.Start, status.Pending);
            Assert.Equal(DhcpClientState.Selecting, status.State);

            // The table answers first: EXTEND, RELEASE, GET_OPTION and INFORM make no sense while selecting.
            foreach (var refused in new Func<Task>[]
            {
                () => agent.ExtendAsync(network.ClientInterface, wait: TimeSpan.FromSeconds(1)),
                () => agent.InformAsync(Request(network), IPAddress.Parse($"{network.Prefix}.200"), TimeSpan.FromSeconds(1)),
                () => Task.FromResult(agent.Release(network.ClientInterface)),
                () => Task.FromResult(agent.GetOption(network.ClientInterface, 1)),
            })
                Assert.Equal(DhcpAgentError.NotAllowedInState, (await Assert.ThrowsAsync<DhcpAgentException>(refused)).Error);
            Assert.False(agent.Ping(network.ClientInterface));

            // START while a lease is being obtained restarts the attempt instead of reporting it pending.
            var restart = await Assert.ThrowsAsync<DhcpAgentException>(() => agent.StartAsync(Request(network), TimeSpan.FromSeconds(1)));
            Assert.Equal(DhcpAgentError.Timeout, restart.Error);
        }
        finally
        {
            network.Server.Resume();
        }
        // The transaction that outlived its caller's wait completes on its own, and its
        // pending mark goes (a moment after the state turns Bound: the mark is the agent's,
        // cleared when the transaction's task ends).
        var deadline = DateTime.UtcNow + Wait;
        while (agent.Status(network.ClientInterface) is var now && (now.State != DhcpClientState.Bound || now.Pending is not null))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the lease was never obtained, or stayed pending ({now.State}, {now.Pending})");
            await Task.Delay(50);
        }
        Assert.True(agent.Ping(network.ClientInterface));
    }

    [Fact]
    public async Task While_bound_the_table_holds_and_options_and_fields_are_answered()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Kea, LeaseTime = TimeSpan.FromMinutes(10) });
        using var agent = NewAgent();
        var events = new List<DhcpLeaseEventKind>();
        agent.LeaseEvent += (_, e) => { lock (events) events.Add(e.Event.Kind); };
        var bound = await agent.StartAsync(Request(network), Wait);

        Assert.Equal(DhcpAgentError.NotAllowedInState, (await Assert.ThrowsAsync<DhcpAgentException>(() => agent.StartAsync(Request(network), Wait))).Error);
        Assert.Equal(DhcpAgentError.NotAllowedInState, (await Assert.ThrowsAsync<DhcpAgentException>(() => agent.InformAsync(Request(network), bound.Address!, Wait))).Error);
        Assert.Equal(new byte[] { 255, 255, 255, 0 }, agent.GetOption(network.ClientInterface, 1));
        Assert.Equal(agent.GetOption(network.ClientInterface, 1), agent.GetOption(network.ClientInterface, "subnetmask"));
        Assert.Equal(bound.Address!.ToString(), agent.GetField(network.ClientInterface, "yiaddr"));
        Assert.Equal(DhcpAgentError.NoOption, Assert.Throws<DhcpAgentException>(() => agent.GetOption(network.ClientInterface, 222)).Error);
        Assert.True(agent.Ping(network.ClientInterface));

        network.ConfigureClientAddress(bound.Address.ToString(), 24);   // renewals are unicast from the address
        var extended = await agent.ExtendAsync(network.ClientInterface, wait: Wait);
        Assert.Equal(bound.Address, extended.Address);
        Assert.True(extended.ExpiresAt > bound.ExpiresAt);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            lock (events) if (events.Contains(DhcpLeaseEventKind.Extended)) break;
            Assert.True(DateTime.UtcNow < deadline, "no Extended event reached the subscriber");
            await Task.Delay(50);
        }
        lock (events) Assert.Equal([DhcpLeaseEventKind.Probing, DhcpLeaseEventKind.Bound], events.Take(2));
    }

    [Fact]
    public async Task A_subscriber_that_throws_or_hangs_is_reported_and_never_stalls_the_lease()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        using var agent = NewAgent();
        agent.SubscriberTimeLimit = TimeSpan.FromSeconds(1);
        var failures = new List<string>();
        agent.SubscriberFailed += (_, f) => { lock (failures) failures.Add(f.Failure.GetType().Name); };
        agent.LeaseEvent += (_, _) => throw new InvalidOperationException("subscriber bug");
        agent.LeaseEvent += (_, _) => Thread.Sleep(TimeSpan.FromSeconds(4));
        var status = await agent.StartAsync(Request(network), Wait);
        Assert.Equal(DhcpClientState.Bound, status.State);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            lock (failures) if (failures.Count >= 2) break;
            Assert.True(DateTime.UtcNow < deadline, "subscriber failures were not reported");
            await Task.Delay(50);
        }
        lock (failures) Assert.Equal(["InvalidOperationException", "TimeoutException"], failures.Take(2));
    }

    /// <summary>The system clock, with the wall clock set forward when the test says (the monotonic clock and timers stay).</summary>
    sealed class JumpingClock : TimeProvider
    {
        long offsetTicks;
        public void Jump(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));
    }

    [Fact]
    public async Task Revalidation_after_a_clock_jump_confirms_the_lease_with_the_server()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        var clock = new JumpingClock();
        using var agent = new DhcpAgent(new DhcpLeaseStore(Path.Combine(run.Directory, "agent-leases")), clock, clockCheck: TimeSpan.FromMilliseconds(500));
        var bound = await agent.StartAsync(Request(network), Wait);
        var requests = Regex.Count(network.ReadServerLog(), "DHCPREQUEST");
        await Task.Delay(1500);
        Assert.Equal(requests, Regex.Count(network.ReadServerLog(), "DHCPREQUEST"));   // a steady clock asks nothing
        clock.Jump(TimeSpan.FromSeconds(40));
        var deadline = DateTime.UtcNow + Wait;
        while (agent.Status(network.ClientInterface) is var now && (now.LeaseBegan == bound.LeaseBegan || now.Pending is not null))
        {
            Assert.True(DateTime.UtcNow < deadline, "the lease was not re-validated after the clock jumped");
            await Task.Delay(100);
        }
        var after = agent.Status(network.ClientInterface);
        Assert.Equal(DhcpClientState.Bound, after.State);
        Assert.Equal(bound.Address, after.Address);
        Assert.True(Regex.Count(network.ReadServerLog(), "DHCPREQUEST") > requests, "no REQUEST reached the server");
        Assert.Equal(IPAddress.Parse(network.ServerAddress), Assert.Single(after.Routers));
    }

    sealed class BrokenConfigurator : IInterfaceConfigurator
    {
        public void Apply(string interfaceName, DhcpLease lease, DhcpLease? previous) =>
            throw new DhcpAgentException(DhcpAgentError.FailedInterface, $"cannot configure {interfaceName}");

        public void Remove(string interfaceName, DhcpLease lease) { }
    }

    [Fact]
    public async Task A_lease_whose_interface_could_not_be_configured_pings_as_failed()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        using var agent = new DhcpAgent(new DhcpLeaseStore(Path.Combine(run.Directory, "agent-leases")), configurator: () => new BrokenConfigurator());
        var failures = 0;
        agent.SubscriberFailed += (_, _) => Interlocked.Increment(ref failures);
        var status = await agent.StartAsync(Request(network, configure: true), Wait);
        Assert.True(status.Failed);
        Assert.Equal(1, failures);
        Assert.Equal(DhcpAgentError.FailedInterface, Assert.Throws<DhcpAgentException>(() => agent.Ping(network.ClientInterface)).Error);
    }

    [Fact]
    public async Task Expiry_takes_the_configured_address_off_the_interface()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Kea, LeaseTime = TimeSpan.FromSeconds(4) });
        using var agent = NewAgent();
        var expired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.LeaseEvent += (_, e) => { if (e.Event.Kind == DhcpLeaseEventKind.Expired) expired.TrySetResult(); };
        var status = await agent.StartAsync(Request(network, configure: true) with { ClientOptions = Unprobed }, Wait);
        Assert.Contains($"{status.Address}/24", Addresses(network.ClientInterface));
        network.Server.Suspend();
        try
        {
            await expired.Task.WaitAsync(Wait);
            Assert.DoesNotContain($"{status.Address}/24", Addresses(network.ClientInterface));
        }
        finally
        {
            network.Server.Resume();
        }
    }
}
