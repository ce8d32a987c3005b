using System.Net;
using System.Text.RegularExpressions;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Dhcp;

namespace IscsiDhcp.Integration.Tests;

/// <summary>The DHCP client (state machine, socket, timers) against dnsmasq and kea in the lab's test networks.</summary>
public sealed class DhcpClientTests : IDisposable
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    static readonly DhcpClientOptions Quick = new() { StartDelayMax = TimeSpan.Zero };
    // For leases of a few seconds: RFC 5227's 4 to 7 s probe would outlast T1 (DhcpConflictDetectionTests test probing).
    static readonly DhcpClientOptions Unprobed = Quick with { ConflictDetection = false };
    readonly LabRun run = LabRun.Create();

    public void Dispose() => run.Dispose();

    static DhcpClientIdentity IdentityOf(DhcpTestNetwork network)
    {
        var identity = new DhcpClientIdentity(LocalInterfaces.HardwareAddress(network.ClientInterface));
        Assert.Equal(DhcpClientIdentity.ParseMac(network.ClientMacAddress), identity.HardwareAddress);
        return identity;
    }

    /// <summary>A client that configures its interface once bound, so unicast renewals can flow.</summary>
    static DhcpClient ConfiguringClient(DhcpSocket socket, DhcpTestNetwork network, DhcpClientOptions? options = null)
    {
        var client = new DhcpClient(socket, IdentityOf(network), options ?? Quick);
        client.LeaseEvent += (_, e) =>
        {
            if (e.Kind == DhcpLeaseEventKind.Bound) network.ConfigureClientAddress(e.After!.Address.ToString(), e.After.PrefixLength);
        };
        return client;
    }

    static async Task<DhcpLeaseEventArgs> NextEvent(DhcpClient client, DhcpLeaseEventKind kind, TimeSpan within)
    {
        var seen = new TaskCompletionSource<DhcpLeaseEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(object? _, DhcpLeaseEventArgs e)
        {
            if (e.Kind == kind) seen.TrySetResult(e);
        }
        client.LeaseEvent += Handler;
        try { return await seen.Task.WaitAsync(within); }
        finally { client.LeaseEvent -= Handler; }
    }

    [Theory]
    [InlineData(DhcpServerKind.Dnsmasq)]
    [InlineData(DhcpServerKind.Kea)]
    public async Task The_client_binds_and_reads_the_options_back_typed(DhcpServerKind server)
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = server, LeaseTime = TimeSpan.FromMinutes(10) });
        using var socket = DhcpSocket.Open(network.ClientInterface);
        using var client = new DhcpClient(socket, IdentityOf(network), Quick);
        var lease = await client.StartAsync().WaitAsync(Bound);
        Assert.Equal(DhcpClientState.Bound, client.State);
        Assert.True(network.InRange(lease.Address.ToString()));
        Assert.Equal(IPAddress.Parse(network.ServerAddress), lease.Server);
        Assert.Equal(24, lease.PrefixLength);
        Assert.Equal(IPAddress.Parse(network.ServerAddress), Assert.Single(lease.Routers));
        Assert.Equal(TimeSpan.FromMinutes(10), lease.LeaseTime);
        Assert.Equal("0.0.0.0/0 via " + network.ServerAddress, Assert.Single(lease.Routes).ToString());
        Assert.Equal(0, client.BadPackets);
    }

    [Fact]
    public async Task Renewal_at_T1_is_seen_by_the_server()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Kea, LeaseTime = TimeSpan.FromSeconds(6) });
        using var socket = DhcpSocket.Open(network.ClientInterface);
        using var client = ConfiguringClient(socket, network);
        var extended = NextEvent(client, DhcpLeaseEventKind.Extended, Bound);
        var lease = await client.StartAsync().WaitAsync(Bound);
        var renewed = await extended;
        Assert.Equal(lease.Address, renewed.After!.Address);
        Assert.True(renewed.Time - lease.Obtained >= TimeSpan.FromSeconds(2.9), "renewed before T1");
        // kea logged two allocations for our address: the first and the renewal.
        Assert.True(Regex.Count(network.ReadServerLog(), $"lease {Regex.Escape(lease.Address.ToString())} has been allocated") >= 2, network.ReadServerLog());
    }

    [Fact]
    public async Task With_the_server_away_at_T1_and_back_after_T2_rebinding_succeeds()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Kea, LeaseTime = TimeSpan.FromSeconds(12) });
        using var socket = DhcpSocket.Open(network.ClientInterface);
        using var client = ConfiguringClient(socket, network, Unprobed);
        var events = new List<DhcpLeaseEventKind>();
        client.LeaseEvent += (_, e) => { lock (events) events.Add(e.Kind); };
        var lease = await client.StartAsync().WaitAsync(Bound);
        network.Server.Suspend();
        try
        {
            await NextEvent(client, DhcpLeaseEventKind.Rebinding, Bound);   // T2 = 10.5 s
        }
        finally
        {
            network.Server.Resume();
        }
        var extended = await NextEvent(client, DhcpLeaseEventKind.Extended, Bound);
        Assert.Equal(lease.Address, extended.After!.Address);
        // (A 12 s lease renews again soon after; the first four events are the story.)
        lock (events) Assert.Equal([DhcpLeaseEventKind.Bound, DhcpLeaseEventKind.Renewing, DhcpLeaseEventKind.Rebinding, DhcpLeaseEventKind.Extended], events.Take(4));
    }

    [Fact]
    public async Task With_the_server_away_past_expiry_the_lease_expires_and_the_client_starts_over()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Kea, LeaseTime = TimeSpan.FromSeconds(4) });
        using var socket = DhcpSocket.Open(network.ClientInterface);
        using var client = new DhcpClient(socket, IdentityOf(network), Unprobed);
        await client.StartAsync().WaitAsync(Bound);
        network.Server.Suspend();
        DhcpLeaseEventArgs expired;
        var rebound = NextEvent(client, DhcpLeaseEventKind.Bound, TimeSpan.FromSeconds(60));
        try
        {
            expired = await NextEvent(client, DhcpLeaseEventKind.Expired, Bound);
        }
        finally
        {
            network.Server.Resume();
        }
        Assert.Null(expired.After);
        await rebound;   // back through INIT, SELECTING, REQUESTING
        Assert.Equal(DhcpClientState.Bound, client.State);
    }

    [Fact]
    public async Task InitReboot_from_a_stored_lease_gets_the_same_address_without_a_discover()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        using var socket = DhcpSocket.Open(network.ClientInterface);
        var store = new DhcpLeaseStore(Path.Combine(run.Directory, "leases"));
        var identity = IdentityOf(network);
        DhcpLease first;
        using (var client = new DhcpClient(socket, identity, Quick))
        {
            first = await client.StartAsync().WaitAsync(Bound);
            store.Save(network.ClientInterface, identity.ClientId, client.Drop()!);
        }
        var discovers = Regex.Count(network.ReadServerLog(), "DHCPDISCOVER");

        using var restarted = new DhcpClient(socket, identity, Quick);
        var stored = store.Load(network.ClientInterface, identity.ClientId, DateTimeOffset.UtcNow);
        var again = await restarted.StartAsync(stored).WaitAsync(Bound);
        Assert.Equal(first.Address, again.Address);
        Assert.Equal(discovers, Regex.Count(network.ReadServerLog(), "DHCPDISCOVER"));
    }

    [Fact]
    public async Task InitReboot_with_an_address_from_another_subnet_is_NAKed_and_starts_over()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, LeaseTime = TimeSpan.FromMinutes(10) });
        using var socket = DhcpSocket.Open(network.ClientInterface);
        using var client = new DhcpClient(socket, IdentityOf(network), Quick);
        var foreign = new DhcpMessage { Op = DhcpMessage.BootReply, YourAddress = IPAddress.Parse("203.0.113.77") }
            .Set(DhcpOptionCode.MessageType, [5]).Set(DhcpOptionCode.LeaseTime, [0, 0, 0x0E, 0x10]);
        var nak = NextEvent(client, DhcpLeaseEventKind.Nak, Bound);
        var lease = await client.StartAsync(DhcpLease.FromAck(foreign, DateTimeOffset.UtcNow)).WaitAsync(Bound);
        await nak;
        Assert.True(network.InRange(lease.Address.ToString()), $"{lease.Address} after the NAK");
    }

    [Fact]
    public async Task Release_is_seen_by_the_server()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq });
        using var socket = DhcpSocket.Open(network.ClientInterface);
        using var client = new DhcpClient(socket, IdentityOf(network), Quick);
        var lease = await client.StartAsync().WaitAsync(Bound);
        client.Release();
        Assert.Equal(DhcpClientState.Stopped, client.State);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!network.ReadServerLog().Contains($"DHCPRELEASE({network.ServerInterface}) {lease.Address}", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, network.ReadServerLog());
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Two_hundred_virtual_clients_bind_at_once_with_distinct_addresses()
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, RangeFirst = 10, RangeLast = 250, LeaseTime = TimeSpan.FromMinutes(10) });
        using var socket = DhcpSocket.Open(network.ClientInterface);
        var clients = Enumerable.Range(1, 200)
            .Select(i => new DhcpClient(socket, new DhcpClientIdentity([0x02, 0x42, 0, 0, (byte)(i >> 8), (byte)i]), Quick))
            .ToList();
        try
        {
            var leases = await Task.WhenAll(clients.Select(c => c.StartAsync())).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(200, leases.Select(l => l.Address).Distinct().Count());
            // Virtual clients never probe: the link sees ARP from the interface's MAC, not theirs.
            Assert.All(clients, c => Assert.Equal((false, 0L), (c.ConflictDetection, c.ProbesSent)));
            Assert.All(leases, l => Assert.True(network.InRange(l.Address.ToString())));
            Assert.Equal(0, socket.Counters.Malformed);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Theory]
    [InlineData(DhcpServerKind.Dnsmasq)]
    [InlineData(DhcpServerKind.Kea)]
    public async Task Relay_mode_binds_a_virtual_client_over_a_routed_path(DhcpServerKind server)
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = server, RangeFirst = 20, RangeLast = 40, LeaseTime = TimeSpan.FromMinutes(10) });
        // The relay's own address, outside the pool: the server picks the subnet by giaddr.
        var relay = $"{network.Prefix}.2";
        network.ConfigureClientAddress(relay, 24);
        using var socket = DhcpSocket.OpenRelay(IPAddress.Parse(relay), IPAddress.Parse(network.ServerAddress));
        using var client = new DhcpClient(socket, new DhcpClientIdentity([0x02, 0x99, 0, 0, 0, 1]), Quick);
        var lease = await client.StartAsync().WaitAsync(Bound);
        Assert.True(network.InRange(lease.Address.ToString()), $"{lease.Address} is outside the pool");
        Assert.Equal(IPAddress.Parse(relay), lease.Ack.RelayAddress);
        Assert.Equal(0, socket.Counters.Malformed);
        Assert.False(client.ConflictDetection);   // relay mode has no link of its own to probe
    }

    [Theory]
    [InlineData(DhcpServerKind.Dnsmasq)]
    [InlineData(DhcpServerKind.Kea)]
    public async Task Inform_returns_the_options_for_an_address_configured_by_other_means(DhcpServerKind server)
    {
        var network = DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = server });
        var address = $"{network.Prefix}.200";   // outside the pool, set by hand
        network.ConfigureClientAddress(address, 24);
        using var socket = DhcpSocket.Open(network.ClientInterface);
        using var client = new DhcpClient(socket, IdentityOf(network), Quick);
        var information = await client.InformAsync(IPAddress.Parse(address)).WaitAsync(Bound);
        Assert.Equal(DhcpClientState.Information, client.State);
        Assert.Equal(IPAddress.Parse(network.ServerAddress), Assert.Single(information.Routers));
        Assert.Null(information.ExpiresAt);   // information only: no lease, no timers
    }
}
