using System.Net;
using System.Text;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Integration.Tests;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Leases;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Tests.Operations;

/// <summary>What each DHCP cmdlet's operation does, over an in-memory service: no socket, no server, no root.</summary>
public sealed class DhcpOperationsTests
{
    readonly FakeDhcpService service = new();

    static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    async Task<RecordingHost> Option(Action<GetDhcpOptionOperation> set, string interfaceName = "eth0")
    {
        var option = new GetDhcpOptionOperation(service);
        set(option);
        option.Selector.InterfaceName = [interfaceName];
        var host = new RecordingHost();
        await option.RunAsync(host);
        return host;
    }

    [Fact]
    public async Task Get_DhcpOption_reads_an_option_by_code_and_by_name_decoded_and_raw()
    {
        service.Add("eth0", options: (DhcpOptionCode.Router, [198, 18, 0, 1]));
        var byCode = (await Option(o => o.Code = 3)).Only<DhcpOption>();
        Assert.Equal(("Router", 3, "eth0"), (byCode.Name, byCode.Code!.Value, byCode.InterfaceName));
        Assert.Equal(IPAddress.Parse("198.18.0.1"), Assert.Single((IPAddress[])byCode.Value!));
        Assert.Equal(new byte[] { 198, 18, 0, 1 }, byCode.Raw);
        var byName = (await Option(o => o.Name = "routers")).Only<DhcpOption>();   // dhcpd's spelling
        Assert.Equal((byCode.Code, byCode.Text), (byName.Code, byName.Text));
    }

    [Fact]
    public async Task Get_DhcpOption_reads_a_vendor_sub_option_and_every_BOOTP_field()
    {
        service.Add("eth0", options: (DhcpOptionCode.VendorSpecific, [1, 3, .. Ascii("abc"), 2, 1, 9]));
        var vendor = (await Option(o => o.VendorCode = 1)).Only<DhcpOption>();
        Assert.Equal((43, 1, "VendorSpecific 1"), (vendor.Code!.Value, vendor.VendorCode!.Value, vendor.Name));
        Assert.Equal(Ascii("abc"), vendor.Raw);
        var missing = await Option(o => o.VendorCode = 7);
        Assert.Equal("DhcpOptionNotFound", Assert.Single(missing.Errors).ErrorId);

        var expected = new Dictionary<string, string>
        {
            ["yiaddr"] = "198.18.0.21", ["siaddr"] = "0.0.0.0", ["giaddr"] = "0.0.0.0", ["ciaddr"] = "0.0.0.0", ["sname"] = "fake-server",
            ["file"] = "boot.img", ["hops"] = "0", ["secs"] = "0", ["xid"] = "0x1234abcd", ["chaddr"] = "00:00:00:00:00:00",
        };
        Assert.Equal(expected.Keys.Order(), DhcpLeaseQuery.Fields.Order());
        foreach (var (field, text) in expected)
        {
            var read = (await Option(o => o.Field = field.ToUpperInvariant())).Only<DhcpOption>();
            Assert.Equal((field, field, text), (read.Field, read.Name, read.Text));
        }
    }

    [Fact]
    public async Task Get_DhcpOption_falls_back_to_the_original_ACK_for_an_option_the_renewal_left_out()
    {
        var first = FakeDhcpService.Ack(IPAddress.Parse("198.18.0.30"), (DhcpOptionCode.DomainName, Ascii("first.example")), (DhcpOptionCode.HostName, Ascii("old")));
        var renewal = FakeDhcpService.Ack(IPAddress.Parse("198.18.0.30"), (DhcpOptionCode.HostName, Ascii("new")));
        var lease = DhcpLease.FromAck(renewal, FakeDhcpService.T0.AddHours(1), DhcpLease.FromAck(first, FakeDhcpService.T0));
        service.Add(FakeDhcpService.Key("eth0"), lease);
        Assert.Equal("first.example", (await Option(o => o.Code = (int)DhcpOptionCode.DomainName)).Only<DhcpOption>().Value);
        Assert.Equal("new", (await Option(o => o.Code = (int)DhcpOptionCode.HostName)).Only<DhcpOption>().Value);   // the current ACK first
        var absent = await Option(o => o.Code = 150);
        Assert.Equal((ErrorKind.ObjectNotFound, "DhcpOptionNotFound"), (Assert.Single(absent.Errors).Kind, absent.Errors.Single().ErrorId));
    }

    [Fact]
    public async Task Get_DhcpOption_refuses_an_unknown_name_before_reading_any_lease_and_reports_a_lease_without_options_per_lease()
    {
        service.Add("eth0");
        var e = await Assert.ThrowsAsync<DhcpArgumentException>(() => Option(o => o.Name = "no-such-option"));
        Assert.Equal(("Name", "DhcpUnknownOptionName"), (e.Parameter, e.ErrorId));
        Assert.DoesNotContain(service.Calls, c => c.StartsWith("GetOption", StringComparison.Ordinal));

        service.Add(FakeDhcpService.Key("eth1"), null, DhcpClientState.Selecting);
        var host = await Option(o => o.Code = 1, "eth*");
        Assert.Equal("eth0", host.Only<DhcpOption>().InterfaceName);
        Assert.Equal("DhcpNotAllowedInState", Assert.Single(host.Errors).ErrorId);
    }

    StartDhcpLeaseOperation Start() => new(service)
    {
        InterfaceName = "fake0",
        MacAddress = "02:00:00:00:00:09",
        HostName = "h9",
        RelayAddress = IPAddress.Parse("198.18.0.2"),   // relay mode: the name only labels the lease
        ServerAddress = IPAddress.Parse("198.18.0.1"),
        RequestedAddress = IPAddress.Parse("198.18.0.77"),
        Timeout = TimeSpan.FromSeconds(7),
    };

    [Fact]
    public async Task Start_sends_START_with_what_the_user_gave_and_writes_the_bound_lease()
    {
        var host = new RecordingHost();
        await Start().RunAsync(host);
        var lease = host.Only<DhcpLeaseStatus>();
        Assert.Equal((DhcpClientState.Bound, IPAddress.Parse("198.18.0.77"), "01:02:00:00:00:00:09"), (lease.State, lease.Address, lease.ClientId));
        var request = Assert.Single(service.Requests);
        Assert.Equal(("fake0", "h9", IPAddress.Parse("198.18.0.2")), (request.InterfaceName, request.Identity!.HostName, request.RelayAddress));
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(service.Waits));
        Assert.Equal(StartDhcpLeaseOperation.KeyOf(request), lease.Key);
        Assert.Equal("Obtain a DHCP lease", Assert.Single(host.Asked).Action);
    }

    [Fact]
    public async Task Start_gives_a_virtual_client_the_RFC_start_delay_unless_told_otherwise_and_says_so()
    {
        var host = new RecordingHost();
        await Start().RunAsync(host);
        Assert.Equal(TimeSpan.FromSeconds(1), service.Requests.Last().ClientOptions!.StartDelayMax);
        Assert.Contains("fake0: the first DISCOVER goes out after a random delay of up to 1 s", host.Verbose);

        var now = Start();
        now.MacAddress = "02:00:00:00:00:0a";
        now.StartDelayMax = TimeSpan.Zero;
        host = new RecordingHost();
        await now.RunAsync(host);
        Assert.Equal(TimeSpan.Zero, service.Requests.Last().ClientOptions!.StartDelayMax);
        Assert.Contains("fake0: the first DISCOVER goes out at once", host.Verbose);
    }

    [Fact]
    public async Task Start_declined_sends_nothing_and_a_second_start_gets_the_state_refusal()
    {
        await Start().RunAsync(new RecordingHost(confirm: false));
        Assert.Empty(service.Calls);
        await Start().RunAsync(new RecordingHost());
        var e = await Assert.ThrowsAsync<DhcpAgentException>(() => Start().RunAsync(new RecordingHost()));
        Assert.Equal(("DhcpNotAllowedInState", ErrorKind.InvalidOperation), (ErrorCatalog.Classify(e).ErrorId, ErrorCatalog.Classify(e).Kind));
    }

    [Fact]
    public async Task Start_cancelled_drops_the_lease_being_obtained_while_a_timeout_leaves_it()
    {
        var never = new TaskCompletionSource();
        service.StartGate = never.Task;
        using var cancel = new CancellationTokenSource();
        var run = Start().RunAsync(new RecordingHost { Cancellation = cancel.Token });
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(["Start fake0 01:02:00:00:00:00:09", "Drop fake0 01:02:00:00:00:00:09"], service.Calls);
        Assert.Empty(await service.StatusAllAsync());

        service.Fail = (command, _) => command == "Start" ? new DhcpAgentException(DhcpAgentError.Timeout, "no answer yet") : null;
        var timeout = await Assert.ThrowsAsync<DhcpAgentException>(() => Start().RunAsync(new RecordingHost()));
        Assert.True(StartDhcpLeaseOperation.GoesOnAfter(timeout));
        Assert.Single(service.Calls, c => c.StartsWith("Drop", StringComparison.Ordinal));   // only the cancelled one's
    }

    // ---- the lease's job ----

    [Fact]
    public async Task Start_makes_the_lease_job_before_START_so_it_sees_Bound_and_the_job_runs_on_with_the_lease()
    {
        var jobs = new RecordingJobs(service);
        var host = new RecordingHost();
        await Start().RunAsync(host, jobs);
        var lease = host.Only<DhcpLeaseStatus>();
        var job = jobs.OnlyLease;
        Assert.Equal(lease.Key, job.Watch.Lease);
        Assert.Equal([DhcpLeaseEventKind.Bound], job.Sink.Output.Cast<DhcpLeaseEventArgs>().Select(e => e.Kind));
        Assert.False(job.Sink.Finished.Task.IsCompleted);
        Assert.Empty(job.Sink.Errors);

        await job.Watch.StopAsync(force: true);   // Stop-Job: DROP, never RELEASE
        Assert.Null(await job.Sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal($"Drop {lease.Key}", service.Calls.Last());
    }

    [Fact]
    public async Task Start_AsJob_writes_the_job_at_once_and_the_lease_comes_to_the_job()
    {
        var gate = new TaskCompletionSource();
        service.StartGate = gate.Task;
        var jobs = new RecordingJobs(service);
        var host = new RecordingHost();
        var start = Start();
        start.AsJob = true;
        await start.RunAsync(host, jobs).WaitAsync(TimeSpan.FromSeconds(10));   // before the lease is bound
        var job = jobs.OnlyLease;
        Assert.Same(job, Assert.Single(host.Objects));
        Assert.Empty(job.Sink.Output);
        gate.SetResult();
        await Eventually.WaitFor(() => job.Sink.Output.Count == 1, "the Bound event");
        Assert.Equal(DhcpLeaseEventKind.Bound, job.Sink.Output.Cast<DhcpLeaseEventArgs>().Single().Kind);
        Assert.Empty(job.Sink.Errors);
    }

    [Fact]
    public async Task Start_AsJob_failure_goes_to_the_job_which_ends_Failed_with_it_but_a_timeout_leaves_it_running()
    {
        service.Fail = (command, _) => command == "Start" ? new DhcpAgentException(DhcpAgentError.NotAllowedInState, "fake0: START is not allowed now") : null;
        var jobs = new RecordingJobs(service);
        var host = new RecordingHost();
        var start = Start();
        start.AsJob = true;
        await start.RunAsync(host, jobs);
        var job = jobs.OnlyLease;
        Assert.Same(job, Assert.Single(host.Objects));
        Assert.Empty(host.Errors);   // the start's failure is the job's, not the cmdlet's
        var failure = await job.Sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(DhcpAgentError.NotAllowedInState, Assert.IsType<DhcpAgentException>(failure).Error);
        Assert.Equal(("DhcpNotAllowedInState", "fake0"), (Assert.Single(job.Sink.Errors).ErrorId, job.Sink.Errors.Single().Target));
        Assert.Equal(0, service.Subscribers);   // it watches nothing more

        service.Fail = (command, _) => command == "Start" ? new DhcpAgentException(DhcpAgentError.Timeout, "no answer yet") : null;
        jobs = new RecordingJobs(service);
        start = Start();
        start.AsJob = true;
        await start.RunAsync(new RecordingHost(), jobs);
        job = jobs.OnlyLease;
        await Eventually.WaitFor(() => !job.Sink.Errors.IsEmpty, "the timeout's error");
        Assert.Equal("DhcpNoAnswer", Assert.Single(job.Sink.Errors).ErrorId);
        Assert.False(job.Sink.Finished.Task.IsCompleted);   // the attempt goes on, and the job with it
        Assert.Equal(1, service.Subscribers);
    }

    [Fact]
    public async Task A_start_that_fails_leaves_no_job_while_one_that_times_out_keeps_its_job()
    {
        service.Fail = (command, _) => command == "Start" ? new DhcpAgentException(DhcpAgentError.NotAllowedInState, "fake0: START is not allowed now") : null;
        var jobs = new RecordingJobs(service);
        var host = new RecordingHost();
        await Assert.ThrowsAsync<DhcpAgentException>(() => Start().RunAsync(host, jobs));
        Assert.Empty(jobs.Leases);
        Assert.Equal(0, service.Subscribers);
        Assert.Empty(host.Objects);

        service.Fail = (command, _) => command == "Start" ? new DhcpAgentException(DhcpAgentError.Timeout, "no answer yet") : null;
        await Assert.ThrowsAsync<DhcpAgentException>(() => Start().RunAsync(new RecordingHost(), jobs));
        var job = jobs.OnlyLease;
        Assert.False(job.Sink.Finished.Task.IsCompleted);
        Assert.Empty(job.Sink.Errors);   // the timeout is the cmdlet's error
    }

    [Fact]
    public async Task Start_cancelled_stops_its_job_as_Stop_Job_does_which_drops_the_lease()
    {
        service.StartGate = new TaskCompletionSource().Task;
        var jobs = new RecordingJobs(service);
        using var cancel = new CancellationTokenSource();
        var run = Start().RunAsync(new RecordingHost { Cancellation = cancel.Token }, jobs);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var job = jobs.OnlyLease;
        Assert.True(job.Stopped);
        Assert.Equal(["Start fake0 01:02:00:00:00:00:09", "Drop fake0 01:02:00:00:00:00:09"], service.Calls);
        Assert.Empty(await service.StatusAllAsync());
        Assert.Null(await job.Sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(DhcpLeaseEventKind.Dropped, job.Sink.Output.Cast<DhcpLeaseEventArgs>().Last().Kind);
        Assert.Equal(0, service.Subscribers);
    }

    [Fact]
    public async Task Start_AsJob_without_a_place_for_jobs_is_refused_before_anything_is_sent()
    {
        var start = Start();
        start.AsJob = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => start.RunAsync(new RecordingHost()));
        Assert.Empty(service.Calls);
    }

    [Fact]
    public async Task Get_DhcpLease_selects_by_wildcard_and_client_id_and_names_what_it_did_not_find()
    {
        service.Add("eth0", 1);
        service.Add("eth0", 2);
        service.Add("wlan0", 3);
        var get = new GetDhcpLeaseOperation(service);
        get.Selector.InterfaceName = ["eth*", "nic9"];
        get.Selector.ClientId = "01-02-00-00-00-00-02";   // any of the spellings, compared as bytes
        var host = new RecordingHost();
        await get.RunAsync(host);
        Assert.Equal(FakeDhcpService.Key("eth0", 2), host.Only<DhcpLeaseStatus>().Key);
        var missing = Assert.Single(host.Errors);
        Assert.Equal(("DhcpLeaseNotFound", ErrorKind.ObjectNotFound), (missing.ErrorId, missing.Kind));
        Assert.Contains("-InterfaceName nic9", missing.Exception.Message);

        get.Selector.ClientId = "zz";
        var e = await Assert.ThrowsAsync<DhcpArgumentException>(() => get.RunAsync(new RecordingHost()));
        Assert.Equal(("ClientId", "DhcpInvalidClientId"), (e.Parameter, e.ErrorId));

        get = new GetDhcpLeaseOperation(service);
        host = new RecordingHost();
        await get.RunAsync(host);
        Assert.Equal(3, host.Objects.Count);
    }

    [Fact]
    public async Task Update_extends_each_lease_with_the_wait_given_and_reports_a_refusal_per_lease()
    {
        var bound = service.Add("eth0");
        var obtaining = service.Add(FakeDhcpService.Key("eth1"), null, DhcpClientState.Selecting);
        var update = new UpdateDhcpLeaseOperation(service) { Timeout = TimeSpan.FromSeconds(3) };
        update.Selector.InterfaceName = ["eth*"];
        var host = new RecordingHost();
        await update.RunAsync(host);
        var renewed = host.Only<DhcpLeaseStatus>();
        Assert.Equal((bound, FakeDhcpService.T0.AddMinutes(30)), (renewed.Key, renewed.LeaseBegan));
        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)], service.Waits);
        Assert.Equal("DhcpNotAllowedInState", Assert.Single(host.Errors).ErrorId);
        Assert.Contains($"Extend {obtaining}", service.Calls);
        Assert.Equal(2, host.Asked.Count);
    }

    [Fact]
    public async Task Stop_drops_or_releases_what_the_user_confirms_and_nothing_else()
    {
        var first = service.Add("eth0", 1);
        var second = service.Add("eth1", 2);
        var stop = new StopDhcpLeaseOperation(service);
        stop.Selector.InterfaceName = ["eth0"];
        await stop.RunAsync(new RecordingHost(confirm: false));
        Assert.True(service.Holds(first));

        await stop.RunAsync(new RecordingHost());
        Assert.Equal($"Drop {first}", service.Calls.Last());
        stop = new StopDhcpLeaseOperation(service) { Release = true };
        stop.Selector.InterfaceName = ["eth1"];
        var host = new RecordingHost();
        await stop.RunAsync(host);
        Assert.Equal($"Release {second}", service.Calls.Last());
        Assert.Contains("Release", Assert.Single(host.Asked).Action);
        Assert.Empty(await service.StatusAllAsync());

        var nothing = new StopDhcpLeaseOperation(service);
        Assert.Equal("DhcpNothingNamed", (await Assert.ThrowsAsync<DhcpArgumentException>(() => nothing.RunAsync(new RecordingHost()))).ErrorId);
    }

    [Fact]
    public async Task Test_pings_each_lease_and_an_absent_name_is_false_without_an_error()
    {
        service.Add("eth0");
        service.Add(FakeDhcpService.Key("eth1"), null, DhcpClientState.Selecting);
        var test = new TestDhcpLeaseOperation(service);
        test.Selector.InterfaceName = ["eth0", "eth1"];
        var host = new RecordingHost();
        await test.RunAsync(host);
        Assert.Equal([true, false], host.Objects.OfType<bool>());

        test.Selector.InterfaceName = ["gone0"];
        host = new RecordingHost();
        await test.RunAsync(host);
        Assert.False(host.Only<bool>());
        Assert.Empty(host.Errors);
    }

    sealed class RecordingSink : IJobSink
    {
        public List<object> Output { get; } = new();
        public List<OperationError> Errors { get; } = new();
        public List<Exception?> Finished { get; } = new();
        public void WriteOutput(object item) => Output.Add(item);
        public void WriteProgress(OperationProgress progress) { }
        public void WriteError(OperationError failure) => Errors.Add(failure);
        public void Finish(Exception? failure) => Finished.Add(failure);
    }

    [Fact]
    public async Task A_lease_watch_sees_its_lease_from_before_START_reports_a_NAK_and_ends_with_the_drop_it_asked_for()
    {
        var sink = new RecordingSink();
        var start = Start();
        var key = new DhcpLeaseKey("fake0", [1, 2, 0, 0, 0, 0, 9]);
        using var watch = await DhcpLeaseWatch.StartAsync(service, key, sink);
        service.Add("other0");
        service.Raise(FakeDhcpService.Key("other0"), DhcpLeaseEventKind.Extended);   // not its lease
        await start.RunAsync(new RecordingHost());
        service.Raise(key, DhcpLeaseEventKind.Nak);
        Assert.Equal("DhcpLeaseRefused", Assert.Single(sink.Errors).ErrorId);

        await watch.StopAsync();
        Assert.Equal([DhcpLeaseEventKind.Bound, DhcpLeaseEventKind.Nak, DhcpLeaseEventKind.Dropped], sink.Output.Cast<DhcpLeaseEventArgs>().Select(e => e.Kind));
        Assert.Null(Assert.Single(sink.Finished));
        Assert.Equal(0, service.Subscribers);
        await watch.StopAsync();   // ended: no second DROP
        Assert.Single(service.Calls, c => c.StartsWith("Drop", StringComparison.Ordinal));
    }
}
