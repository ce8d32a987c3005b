using System.Net;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Dhcp;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Leases;

namespace IscsiDhcp.Integration.Tests;

/// <summary>What each DHCP cmdlet does, run through a recording host against dnsmasq in a network of its own.</summary>
public sealed class DhcpOperationsTests : IDisposable
{
    static readonly DhcpClientOptions Quick = new() { StartDelayMax = TimeSpan.Zero };
    readonly LabRun run = LabRun.Create();
    readonly DhcpAgent agent;
    readonly IDhcpService service;

    public DhcpOperationsTests()
    {
        agent = new DhcpAgent(new DhcpLeaseStore(Path.Combine(run.Directory, "leases")));
        service = new InProcessService(agent).Leases;
    }

    public void Dispose()
    {
        agent.Dispose();
        run.Dispose();
    }

    DhcpTestNetwork Network() =>
        DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq, RangeFirst = 20, RangeLast = 40, LeaseTime = TimeSpan.FromMinutes(10) });

    StartDhcpLeaseOperation Start(string interfaceName) => new(service) { InterfaceName = interfaceName, ClientOptions = Quick };

    [Fact]
    public async Task Start_status_option_test_extend_and_release_a_lease()
    {
        var network = Network();
        var host = new RecordingHost();
        var start = Start(network.ClientInterface);
        start.Configure = true;   // renewals are unicast from the address
        await start.RunAsync(host);
        var lease = host.Only<DhcpLeaseStatus>();
        Assert.Equal((DhcpClientState.Bound, true), (lease.State, lease.Configured));
        Assert.Contains("configure", Assert.Single(host.Asked).Action);
        Assert.True(network.InRange(lease.Address!.ToString()), $"{lease.Address} is outside the pool");
        Assert.Equal(network.ClientInterface, host.Asked.Single().Target);

        var get = new GetDhcpLeaseOperation(service);
        get.Selector.InterfaceName = [network.ClientInterface[..^1] + "*"];
        host = new RecordingHost();
        await get.RunAsync(host);
        Assert.Equal(lease.Address, host.Only<DhcpLeaseStatus>().Address);

        host = new RecordingHost();
        var option = new GetDhcpOptionOperation(service) { Code = (int)DhcpOptionCode.Router };
        option.Selector.InterfaceName = [network.ClientInterface];
        await option.RunAsync(host);
        var router = host.Only<DhcpOption>();
        Assert.Equal(("Router", IPAddress.Parse(network.ServerAddress)), (router.Name, Assert.Single((IPAddress[])router.Value!)));

        host = new RecordingHost();
        option.Code = null;
        option.Field = "yiaddr";
        await option.RunAsync(host);
        Assert.Equal(lease.Address.ToString(), host.Only<DhcpOption>().Text);

        host = new RecordingHost();
        option.Field = null;
        option.Code = 150;   // TFTP server address: dnsmasq sends none
        await option.RunAsync(host);
        Assert.Equal((ErrorKind.ObjectNotFound, "DhcpOptionNotFound"), (Assert.Single(host.Errors).Kind, host.Errors.Single().ErrorId));

        var test = new TestDhcpLeaseOperation(service);
        test.Selector.InterfaceName = [network.ClientInterface];
        host = new RecordingHost();
        await test.RunAsync(host);
        Assert.True(host.Only<bool>());

        var update = new UpdateDhcpLeaseOperation(service);
        update.Selector.InterfaceName = [network.ClientInterface];
        host = new RecordingHost();
        await update.RunAsync(host);
        var renewed = host.Only<DhcpLeaseStatus>();
        Assert.Equal((DhcpClientState.Bound, lease.Address), (renewed.State, renewed.Address));
        Assert.True(renewed.LeaseBegan > lease.LeaseBegan, "the renewal did not start a new lease period");

        var stop = new StopDhcpLeaseOperation(service) { Release = true };
        stop.Selector.InterfaceName = [network.ClientInterface];
        await stop.RunAsync(new RecordingHost());
        host = new RecordingHost();
        await test.RunAsync(host);
        Assert.False(host.Only<bool>());
        Assert.Empty(host.Errors);   // testing for an absent lease is no error
        host = new RecordingHost();
        await get.RunAsync(host);
        Assert.Empty(host.Objects);
    }

    [Fact]
    public async Task Declined_commands_change_nothing()
    {
        var network = Network();
        await Start(network.ClientInterface).RunAsync(new RecordingHost(confirm: false));
        Assert.Empty(agent.StatusAll());

        await Start(network.ClientInterface).RunAsync(new RecordingHost());
        var stop = new StopDhcpLeaseOperation(service) { Release = true };
        stop.Selector.InterfaceName = [network.ClientInterface];
        var host = new RecordingHost(confirm: false);
        await stop.RunAsync(host);
        Assert.Contains("Release", Assert.Single(host.Asked).Action);
        Assert.Equal(DhcpClientState.Bound, agent.Status(network.ClientInterface).State);
    }

    [Fact]
    public async Task A_second_start_while_bound_is_refused_with_its_state_named()
    {
        var network = Network();
        await Start(network.ClientInterface).RunAsync(new RecordingHost());
        var e = await Assert.ThrowsAsync<DhcpAgentException>(() => Start(network.ClientInterface).RunAsync(new RecordingHost()));
        var error = ErrorCatalog.Classify(e);
        Assert.Equal((ErrorKind.InvalidOperation, "DhcpNotAllowedInState"), (error.Kind, error.ErrorId));
        Assert.Contains("Bound", e.Message);
    }

    [Fact]
    public async Task A_virtual_client_binds_in_relay_mode()
    {
        var network = Network();
        var relay = $"{network.Prefix}.2";
        network.ConfigureClientAddress(relay, 24);
        var start = Start(network.ClientInterface);
        start.MacAddress = "02:99:00:00:00:07";
        start.HostName = "virtual-7";
        start.RelayAddress = IPAddress.Parse(relay);
        start.ServerAddress = IPAddress.Parse(network.ServerAddress);
        var host = new RecordingHost();
        await start.RunAsync(host);
        var lease = host.Only<DhcpLeaseStatus>();
        Assert.Equal(DhcpClientState.Bound, lease.State);
        Assert.Equal("01:02:99:00:00:00:07", lease.ClientId);
        Assert.Contains("virtual-7", network.ReadLeases());
    }

    [Theory]
    [InlineData(true, false, "-Inform needs -ClientAddress")]
    [InlineData(false, true, "-ClientAddress is for -Inform")]
    public async Task Inform_parameters_that_do_not_fit_are_named(bool inform, bool address, string message)
    {
        var start = Start("lo");
        start.Inform = inform;
        start.ClientAddress = address ? IPAddress.Parse("198.18.0.5") : null;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => start.RunAsync(new RecordingHost()));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task Relay_mode_without_a_MAC_or_with_half_the_addresses_is_refused()
    {
        var start = Start("lo");
        start.RelayAddress = IPAddress.Loopback;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => start.RunAsync(new RecordingHost()));
        Assert.Contains("-RelayAddress and -ServerAddress", e.Message);
        start.ServerAddress = IPAddress.Loopback;
        e = await Assert.ThrowsAsync<ArgumentException>(() => start.RunAsync(new RecordingHost()));
        Assert.Contains("-MacAddress", e.Message);
    }
}
