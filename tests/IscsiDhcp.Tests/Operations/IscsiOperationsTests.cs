using System.Security.Cryptography;
using IscsiDhcp.Integration.Tests;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Tests.Operations;

/// <summary>
/// What the iSCSI operations do, run against the in-memory service (no root, no lab): the
/// objects, errors, questions and jobs they produce, and what they leave behind. The lab's
/// IscsiOperationsTests say the same against tgtd.
/// </summary>
public sealed class IscsiOperationsTests : IDisposable
{
    const string Initiator = "iqn.2026-11.org.iscsidhcp:unit";
    const string TargetName = "iqn.2026-11.org.iscsidhcp:fake-disk";
    readonly FakeIscsiDhcpService service = new();
    readonly FakeIscsiTarget target;
    readonly string directory = Directory.CreateTempSubdirectory("iscsidhcp-unit-").FullName;

    public IscsiOperationsTests()
    {
        target = service.AddTarget(TargetName, 8L << 20, 1L << 20);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    ConnectIscsiTargetOperation Connect(string name = TargetName) => new(service)
    {
        NodeAddress = name,
        TargetPortalAddress = "192.0.2.10",
        Login = { InitiatorName = Initiator },
    };

    async Task<IscsiSessionStatus> Connected()
    {
        var host = new RecordingHost();
        await Connect().RunAsync(host);
        return host.Only<IscsiSessionStatus>();
    }

    // ---- Connect ----

    [Fact]
    public async Task Connect_writes_the_logged_in_session_and_makes_its_job_once_logged_in()
    {
        var jobs = new RecordingJobs(service);
        var host = new RecordingHost();
        await Connect().RunAsync(host, jobs);
        var session = host.Only<IscsiSessionStatus>();
        Assert.Equal((TargetName, IscsiSessionState.LoggedIn, Initiator), (session.TargetNodeAddress, session.State, session.InitiatorNodeAddress));
        var (watch, sink) = jobs.Only;
        Assert.Equal(session.SessionIdentifier, watch.SessionIdentifier);
        // The job came after the login, and replayed how the session began.
        Assert.Equal([IscsiSessionState.XptWait, IscsiSessionState.InLogin, IscsiSessionState.LoggedIn], sink.Output.OfType<IscsiSessionStateChange>().Select(c => c.To));
        Assert.Contains(TargetName, Assert.Single(host.Asked).Target);
    }

    [Fact]
    public async Task Connect_asks_the_service_for_the_timeout_the_user_gave()
    {
        var connect = Connect();
        connect.Timeout = TimeSpan.FromSeconds(3);
        connect.QueueDepth = 8;
        await connect.RunAsync(new RecordingHost());
        var request = Assert.Single(service.Requests);
        Assert.Equal((TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), 8),
            (request.Supervision.FirstLoginTimeout, request.SessionOptions.LoginTimeout, request.SessionOptions.ConnectTimeout, request.SessionOptions.QueueDepth));
        Assert.Equal(("192.0.2.10", 3260), (request.Portal.Host, request.Portal.Port));
    }

    [Fact]
    public async Task A_second_connect_to_the_same_target_is_refused_and_starts_nothing()
    {
        var session = await Connected();
        var e = await Assert.ThrowsAsync<IscsiSessionExistsException>(() => Connect().RunAsync(new RecordingHost()));
        Assert.Contains(session.SessionIdentifier, e.Message);
        Assert.Contains(TargetName, e.Message);
        Assert.Equal((ErrorKind.ResourceExists, "IscsiSessionExists"), (ErrorCatalog.Classify(e).Kind, ErrorCatalog.Classify(e).ErrorId));
        Assert.Single(service.Requests);
    }

    [Fact]
    public async Task A_declined_connect_starts_no_session()
    {
        var host = new RecordingHost(confirm: false);
        await Connect().RunAsync(host, new RecordingJobs(service));
        Assert.Empty(host.Objects);
        Assert.Empty(service.Requests);
    }

    [Fact]
    public async Task A_login_that_gets_no_answer_ends_at_the_timeout_with_a_timeout_error_and_leaves_no_session_or_job()
    {
        target.Login = FakeLoginBehaviour.Silent;
        var jobs = new RecordingJobs(service);
        var connect = Connect();
        connect.Timeout = TimeSpan.FromMilliseconds(300);
        var e = await Assert.ThrowsAsync<IscsiLoginTimeoutException>(() => connect.RunAsync(new RecordingHost(), jobs));
        Assert.Contains("within 0.3 s", e.Message);
        Assert.Equal((ErrorKind.OperationTimeout, "IscsiLoginTimeout"), (ErrorCatalog.Classify(e).Kind, ErrorCatalog.Classify(e).ErrorId));
        Assert.Empty(await service.GetSessionsAsync(default));
        Assert.Empty(jobs.Made);
    }

    [Fact]
    public async Task A_timeout_that_is_not_positive_is_named()
    {
        var connect = Connect();
        connect.Timeout = TimeSpan.Zero;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => connect.RunAsync(new RecordingHost()));
        Assert.Contains("-TimeoutSec 0 is not positive", e.Message);
        Assert.Empty(service.Requests);
    }

    [Fact]
    public async Task Ctrl_C_while_logging_in_drops_the_session_and_makes_no_job()
    {
        target.Login = FakeLoginBehaviour.Silent;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var jobs = new RecordingJobs(service);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Connect().RunAsync(new RecordingHost { Cancellation = cancel.Token }, jobs));
        var session = Assert.Single(service.AllSessions);
        Assert.True(session.HasEnded);
        Assert.True(session.DisconnectedWithForce);
        Assert.Empty(jobs.Made);
    }

    [Fact]
    public async Task Connect_AsJob_writes_the_job_at_once_and_a_refused_login_ends_it_with_the_reason()
    {
        target.Login = FakeLoginBehaviour.RefuseAuthentication;
        var jobs = new RecordingJobs(service);
        var host = new RecordingHost();
        var connect = Connect();
        connect.AsJob = true;
        await connect.RunAsync(host, jobs);
        var (_, sink) = jobs.Only;
        Assert.Same(sink, Assert.Single(host.Objects));
        Assert.Empty(host.Errors);   // the login's failure is the job's, not the cmdlet's
        var failure = await sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<IscsiDhcp.Iscsi.Login.IscsiLoginException>(failure);
        Assert.Equal("IscsiAuthenticationFailed", Assert.Single(sink.Errors).ErrorId);
        Assert.Equal(IscsiSessionState.CleanupWait, sink.Output.OfType<IscsiSessionStateChange>().Last().To);
    }

    [Fact]
    public async Task AsJob_without_a_place_for_jobs_is_refused_before_anything_starts()
    {
        var connect = Connect();
        connect.AsJob = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => connect.RunAsync(new RecordingHost()));
        Assert.Empty(service.Requests);
    }

    // ---- the session's job ----

    [Fact]
    public async Task A_session_job_reports_a_reconnect_as_progress_and_its_cause_as_an_error_and_stopping_logs_out()
    {
        var connect = Connect();
        connect.AsJob = true;
        var jobs = new RecordingJobs(service);
        await connect.RunAsync(new RecordingHost(), jobs);
        var (watch, sink) = jobs.Only;
        await service.WaitForLoginAsync(watch.SessionIdentifier, default);
        Assert.Empty(sink.Progress);   // the first login is no reconnect

        Assert.Single(service.AllSessions).LoseConnection("reset by peer");
        await Eventually.WaitFor(() => sink.Progress.Any(p => p.Completed), "the reconnect's progress to complete");
        Assert.Equal(3, sink.Progress.Count(p => !p.Completed));   // lost; XptWait; InLogin
        Assert.All(sink.Progress, p => Assert.Equal($"Reconnecting to {TargetName}", p.Activity));
        Assert.Equal((ErrorKind.ConnectionError, "IscsiConnectionClosed"), (Assert.Single(sink.Errors).Kind, sink.Errors.Single().ErrorId));

        await watch.StopAsync(force: false);
        Assert.Null(await sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([IscsiSessionState.InLogout, IscsiSessionState.CleanupWait], sink.Output.OfType<IscsiSessionStateChange>().Select(c => c.To).TakeLast(2));
        Assert.Empty(await service.GetSessionsAsync(default));
        await watch.StopAsync(force: true);   // ended already: nothing to do, no error
    }

    [Fact]
    public async Task A_watch_that_begins_after_the_session_ended_still_hears_how_it_began_and_ended()
    {
        var session = await Connected();
        await service.DisconnectSessionAsync(session.SessionIdentifier, force: true, default);
        var sink = new RecordingSink();
        using var watch = await IscsiSessionWatch.StartAsync(service, session, sink);
        Assert.Null(await sink.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([IscsiSessionState.XptWait, IscsiSessionState.InLogin, IscsiSessionState.LoggedIn, IscsiSessionState.CleanupWait],
            sink.Output.OfType<IscsiSessionStateChange>().Select(c => c.To));
    }

    // ---- Get-IscsiSession, Disconnect ----

    [Fact]
    public async Task Get_session_filters_by_wildcard_identifier_and_portal_and_names_what_it_cannot_find()
    {
        var session = await Connected();
        var get = new GetIscsiSessionOperation(service);
        var host = new RecordingHost();
        get.Selector.NodeAddress = ["*fake-d*", "iqn.2026-11.org.iscsidhcp:absent", "*nothing*"];
        await get.RunAsync(host);
        Assert.Equal(session.SessionIdentifier, host.Only<IscsiSessionStatus>().SessionIdentifier);
        Assert.Equal(("IscsiSessionNotFound", "iqn.2026-11.org.iscsidhcp:absent"), (Assert.Single(host.Errors).ErrorId, host.Errors.Single().Target));

        host = new RecordingHost();
        get.Selector.NodeAddress = null;
        get.Selector.TargetPortalAddress = "192.0.2.99";
        await get.RunAsync(host);
        Assert.Empty(host.Objects);

        host = new RecordingHost();
        get.Selector.TargetPortalAddress = null;
        get.Selector.SessionIdentifier = [session.SessionIdentifier.ToLowerInvariant()];
        await get.RunAsync(host);
        Assert.Equal(TargetName, host.Only<IscsiSessionStatus>().TargetNodeAddress);
    }

    [Fact]
    public async Task Disconnect_asks_first_then_logs_out_and_names_a_session_it_cannot_find()
    {
        var session = await Connected();
        var disconnect = new DisconnectIscsiTargetOperation(service);
        disconnect.Selector.NodeAddress = [TargetName];
        await disconnect.RunAsync(new RecordingHost(confirm: false));
        Assert.Contains(await service.GetSessionsAsync(default), s => s.SessionIdentifier == session.SessionIdentifier);

        var host = new RecordingHost();
        await disconnect.RunAsync(host);
        Assert.Empty(await service.GetSessionsAsync(default));
        Assert.False(Assert.Single(service.AllSessions).DisconnectedWithForce);
        Assert.Empty(host.Errors);

        host = new RecordingHost();
        await disconnect.RunAsync(host);
        Assert.Equal((ErrorKind.ObjectNotFound, "IscsiSessionNotFound"), (Assert.Single(host.Errors).Kind, host.Errors.Single().ErrorId));

        await Assert.ThrowsAsync<ArgumentException>(() => new DisconnectIscsiTargetOperation(service).RunAsync(new RecordingHost()));   // naming none is never "all"
    }

    [Fact]
    public async Task Disconnect_Force_drops_the_session()
    {
        await Connected();
        var disconnect = new DisconnectIscsiTargetOperation(service) { Force = true };
        disconnect.Selector.NodeAddress = [TargetName];
        await disconnect.RunAsync(new RecordingHost());
        Assert.True(Assert.Single(service.AllSessions).DisconnectedWithForce);
    }

    // ---- Get-IscsiLun ----

    [Fact]
    public async Task Get_lun_describes_each_LUN_with_inquiry_identifiers_and_capacity_and_names_a_missing_one()
    {
        var session = await Connected();
        var get = new GetIscsiLunOperation(service) { Lun = [0, 1, 2, 7] };
        get.Selector.SessionIdentifier = [session.SessionIdentifier];
        var host = new RecordingHost();
        await get.RunAsync(host);
        var luns = host.Objects.OfType<IscsiLun>().OrderBy(l => l.Lun).ToList();
        Assert.Equal([0, 1, 2], luns.Select(l => l.Lun));
        Assert.Equal(("StorageArrayController", 0UL), (luns[0].DeviceType, luns[0].Size));
        Assert.Equal(("Disk", 8UL << 20, 512u), (luns[1].DeviceType, luns[1].Size, luns[1].BlockSize));
        Assert.Equal(1UL << 20, luns[2].Size);
        Assert.Equal(target.Luns[1].SerialNumber, luns[1].SerialNumber);
        Assert.Equal(Convert.ToHexStringLower(target.Luns[2].Naa), Assert.Single(luns[2].Identifiers).Value);
        Assert.All(luns, l => Assert.Equal((session.SessionIdentifier, TargetName, "FAKE"), (l.SessionIdentifier, l.TargetNodeAddress, l.Vendor)));
        var error = Assert.Single(host.Errors);
        Assert.Equal((ErrorKind.ObjectNotFound, "IscsiLunNotFound", $"{TargetName} LUN 7"), (error.Kind, error.ErrorId, error.Target));
    }

    // ---- Copy-IscsiLun, Open-IscsiLun ----

    CopyIscsiLunOperation Copy(IscsiSessionStatus session, IscsiCopyDirection direction, string path, int lun = 1)
    {
        var copy = new CopyIscsiLunOperation(service) { Lun = lun, Path = path, Direction = direction };
        copy.Selector.SessionIdentifier = [session.SessionIdentifier];
        return copy;
    }

    [Fact]
    public async Task Copy_a_file_into_a_LUN_and_back_out_with_verification_and_progress()
    {
        var session = await Connected();
        var data = RandomNumberGenerator.GetBytes((3 << 20) + 4096);
        var source = Path.Combine(directory, "source.bin");
        var back = Path.Combine(directory, "back.bin");
        File.WriteAllBytes(source, data);
        var hash = Convert.ToHexString(SHA256.HashData(data));

        var host = new RecordingHost();
        var copy = Copy(session, IscsiCopyDirection.FileToLun, source);
        copy.Offset = 1 << 20;
        copy.Verify = true;
        copy.PassThru = true;
        await copy.RunAsync(host);
        var result = host.Only<IscsiCopyResult>();
        Assert.Equal((hash, true, (long)data.Length), (result.Sha256, result.Verified, result.Bytes));
        Assert.True(host.Progress.Last().Completed);
        Assert.Contains("Overwrite", Assert.Single(host.Asked).Action);
        Assert.True(data.AsSpan().SequenceEqual(target.Luns[1].Data.AsSpan(1 << 20, data.Length)), "the LUN does not hold the copied bytes");
        Assert.True(target.Luns[1].SynchronizeCacheCount > 0, "the LUN's cache was not synchronized");

        host = new RecordingHost();
        var copyBack = Copy(session, IscsiCopyDirection.LunToFile, back);
        copyBack.Offset = 1 << 20;
        copyBack.Length = data.Length;
        copyBack.Verify = true;
        copyBack.PassThru = true;
        await copyBack.RunAsync(host);
        Assert.Equal((hash, true), (host.Only<IscsiCopyResult>().Sha256, host.Only<IscsiCopyResult>().Verified));
        Assert.True(data.AsSpan().SequenceEqual(File.ReadAllBytes(back)));
        Assert.Single(Directory.GetFiles(directory, "*back*"));   // no partial file left beside it
    }

    /// <summary>
    /// Runs a copy while the fake target holds each READ or WRITE a moment, and says how many
    /// were outstanding at once at most and how many bytes were read from the LUN.
    /// </summary>
    async Task<(int MostInFlight, long BytesRead)> CopyWatchingCommands(CopyIscsiLunOperation copy)
    {
        // Each command takes a while at the target, so a pipelined copy has several started at once.
        target.BeforeCommand = (_, opcode) =>
        {
            if (opcode is 0x28 or 0x88 or 0x2A or 0x8A) Thread.Sleep(20);
        };
        target.ResetOutstanding();
        var host = new RecordingHost();
        var readsBefore = target.Luns[copy.Lun].BytesRead;
        await copy.RunAsync(host);
        target.BeforeCommand = null;
        return (target.MostOutstanding, target.Luns[copy.Lun].BytesRead - readsBefore);
    }

    [Fact]
    public async Task A_copy_keeps_several_commands_in_flight_both_ways_and_a_verify_reads_the_LUN_once_more()
    {
        var session = await Connected();
        var data = RandomNumberGenerator.GetBytes(6 << 20);
        var source = Path.Combine(directory, "source.bin");
        File.WriteAllBytes(source, data);

        var toLun = Copy(session, IscsiCopyDirection.FileToLun, source);
        toLun.Verify = true;
        var (writes, verifyRead) = await CopyWatchingCommands(toLun);
        Assert.True(writes >= 2, $"at most {writes} command(s) were in flight copying into the LUN");
        Assert.Equal(data.Length, verifyRead);   // -Verify: one read pass, no more
        Assert.True(data.AsSpan().SequenceEqual(target.Luns[1].Data.AsSpan(0, data.Length)));

        var back = Path.Combine(directory, "back.bin");
        var fromLun = Copy(session, IscsiCopyDirection.LunToFile, back);
        fromLun.Length = data.Length;
        fromLun.Verify = true;
        var (reads, bytesRead) = await CopyWatchingCommands(fromLun);
        Assert.True(reads >= 2, $"at most {reads} command(s) were in flight copying out of the LUN");
        Assert.Equal(data.Length, bytesRead);   // -Verify reads the file back, not the LUN
        Assert.True(data.AsSpan().SequenceEqual(File.ReadAllBytes(back)));
    }

    [Fact]
    public async Task A_copy_out_of_a_LUN_writes_its_chunks_around_the_page_cache_and_an_unaligned_tail_through_it()
    {
        if (!OperatingSystem.IsLinux()) return;   // direct I/O is switched on only on Linux
        var session = await Connected();
        RandomNumberGenerator.Fill(target.Luns[1].Data);
        var length = (3 << 20) + 512;   // whole 512-byte blocks, not whole 4 KiB pages: the tail cannot go direct
        var path = Path.Combine(directory, "out.bin");
        var copy = Copy(session, IscsiCopyDirection.LunToFile, path);
        copy.Length = length;
        await copy.RunAsync(new RecordingHost());

        // Whether this directory's file system takes direct I/O at all (tmpfs before Linux 6.6 does not).
        bool direct;
        using (var probe = new FileStream(Path.Combine(directory, "probe"), FileMode.Create, FileAccess.Write, FileShare.None, 1))
            direct = IscsiDhcp.Common.DirectIo.TryEnable(probe.SafeFileHandle);
        if (direct)
        {
            var cached = PageCacheResidency.ResidentPages(path, 0, 3 << 20);
            Assert.True(cached == 0, $"{cached} of the copy's first 3 MiB went through the page cache");
        }
        Assert.True(target.Luns[1].Data.AsSpan(0, length).SequenceEqual(File.ReadAllBytes(path)), "the file does not hold the LUN's bytes");
    }

    [Fact]
    public async Task A_chunk_that_direct_IO_refuses_is_written_through_the_page_cache()
    {
        var path = Path.Combine(directory, "refused.bin");
        var data = RandomNumberGenerator.GetBytes(2 * 4096 + 1);
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Write, 1 << 16))
        using (var second = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1))
        {
            var end = new CopyPipeline.FileEnd(file, second);
            // Whole pages at a page-aligned file offset, but from an address one byte past an array's
            // start: a file system that checks alignment (ext4, xfs) refuses it with EINVAL.
            await end.WriteAsync(0, new ArraySegment<byte>(data, 1, 4096), CancellationToken.None);
            await end.WriteAsync(4096, new ArraySegment<byte>(data, 4097, 4096), CancellationToken.None);
            await end.SettleAsync();
            file.Flush(flushToDisk: true);
        }
        Assert.True(data.AsSpan(1, 2 * 4096).SequenceEqual(File.ReadAllBytes(path)), "the file does not hold what was written");
    }

    [Fact]
    public async Task A_cancelled_copy_out_of_a_LUN_leaves_no_file_and_an_older_one_as_it_was()
    {
        var session = await Connected();
        var path = Path.Combine(directory, "out.bin");
        File.WriteAllText(path, "older");
        using var cancel = new CancellationTokenSource();
        var reads = 0;
        target.BeforeCommand = (_, opcode) =>
        {
            if (opcode is 0x28 or 0x88 && Interlocked.Increment(ref reads) == 3) cancel.Cancel();
        };
        var copy = Copy(session, IscsiCopyDirection.LunToFile, path);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy.RunAsync(new RecordingHost { Cancellation = cancel.Token }));
        Assert.Equal("older", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(directory));

        File.Delete(path);
        reads = 0;
        using var again = new CancellationTokenSource();
        target.BeforeCommand = (_, opcode) =>
        {
            if (opcode is 0x28 or 0x88 && Interlocked.Increment(ref reads) == 3) again.Cancel();
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy.RunAsync(new RecordingHost { Cancellation = again.Token }));
        Assert.Empty(Directory.GetFiles(directory));
    }

    [Fact]
    public async Task A_declined_copy_to_a_LUN_writes_nothing_and_a_range_past_the_end_is_refused()
    {
        var session = await Connected();
        var source = Path.Combine(directory, "never.bin");
        File.WriteAllBytes(source, RandomNumberGenerator.GetBytes(1 << 20));
        var copy = Copy(session, IscsiCopyDirection.FileToLun, source, lun: 2);
        await copy.RunAsync(new RecordingHost(confirm: false));
        Assert.True(target.Luns[2].Data.AsSpan().IndexOfAnyExcept((byte)0) < 0, "a declined copy wrote to the LUN");

        copy.Offset = 512 * 1024;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => copy.RunAsync(new RecordingHost()));
        Assert.Contains("past the end of LUN 2", e.Message);

        var outOf = Copy(session, IscsiCopyDirection.LunToFile, Path.Combine(directory, "past.bin"), lun: 2);
        outOf.Offset = 1L << 20;
        e = await Assert.ThrowsAsync<ArgumentException>(() => outOf.RunAsync(new RecordingHost()));
        Assert.Contains($"-Offset {1L << 20} is past the end of LUN 2", e.Message);
        Assert.Equal([source], Directory.GetFiles(directory));
    }

    [Fact]
    public async Task A_copy_from_a_controller_or_a_LUN_that_does_not_exist_is_refused_by_name()
    {
        var session = await Connected();
        var path = Path.Combine(directory, "x.bin");
        var e = await Assert.ThrowsAsync<IscsiLunNotBlockDeviceException>(() => Copy(session, IscsiCopyDirection.LunToFile, path, lun: 0).RunAsync(new RecordingHost()));
        Assert.Contains("StorageArrayController", e.Message);
        var missing = await Assert.ThrowsAsync<IscsiLunNotFoundException>(() => Copy(session, IscsiCopyDirection.LunToFile, path, lun: 9).RunAsync(new RecordingHost()));
        Assert.Equal((ErrorKind.ObjectNotFound, "IscsiLunNotFound"), (ErrorCatalog.Classify(missing).Kind, ErrorCatalog.Classify(missing).ErrorId));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Open_gives_a_stream_over_the_LUN()
    {
        var session = await Connected();
        var open = new OpenIscsiLunOperation(service) { Lun = 2, Access = IscsiLunAccess.ReadWrite };
        open.Selector.SessionIdentifier = [session.SessionIdentifier];
        var host = new RecordingHost();
        await open.RunAsync(host);
        using var stream = Assert.IsAssignableFrom<Stream>(Assert.Single(host.Objects));
        Assert.Equal(1L << 20, stream.Length);
        stream.Position = 1000;
        stream.Write("hello, LUN"u8);
        stream.Flush();
        Assert.Equal("hello, LUN"u8.ToArray(), target.Luns[2].Data.AsSpan(1000, 10).ToArray());
    }

    // ---- Measure-IscsiLun ----

    [Fact]
    public async Task Measure_reports_throughput_and_ordered_latency_percentiles_and_asks_before_writing()
    {
        var session = await Connected();
        var measure = new MeasureIscsiLunOperation(service) { Lun = 1, BlockSize = 4096, QueueDepth = 4, Duration = TimeSpan.FromSeconds(1), Random = true };
        measure.Selector.SessionIdentifier = [session.SessionIdentifier];
        var host = new RecordingHost();
        await measure.RunAsync(host);
        var result = host.Only<IscsiMeasureResult>();
        Assert.True(result.Ios > 10, $"{result.Ios} I/Os");
        Assert.Equal((0L, TargetName, 1), (result.Errors, result.TargetNodeAddress, result.Lun));
        Assert.True(result.LatencyP50Microseconds <= result.LatencyP90Microseconds && result.LatencyP90Microseconds <= result.LatencyP99Microseconds
                    && result.LatencyP99Microseconds <= result.LatencyMaxMicroseconds);
        Assert.Empty(host.Asked);   // reading needs no confirmation

        host = new RecordingHost(confirm: false);
        measure.Mode = IscsiWorkloadMode.Write;
        await measure.RunAsync(host);
        Assert.Empty(host.Objects);
        Assert.Single(host.Asked);
        Assert.True(target.Luns[1].Data.AsSpan().IndexOfAnyExcept((byte)0) < 0, "a declined measurement wrote to the LUN");

        measure.BlockSize = 1000;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => measure.RunAsync(new RecordingHost()));
        Assert.Contains("-BlockSize 1000", e.Message);
    }

    // ---- the seam ----

    [Fact]
    public async Task A_session_the_service_does_not_know_is_named()
    {
        var e = await Assert.ThrowsAsync<IscsiSessionNotFoundException>(() => service.OpenTransportAsync("NOSUCH-0001", default));
        Assert.Equal((ErrorKind.ObjectNotFound, "IscsiSessionNotFound"), (ErrorCatalog.Classify(e).Kind, ErrorCatalog.Classify(e).ErrorId));
    }
}
