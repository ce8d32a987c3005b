using System.Security.Cryptography;
using System.Text.Json;
using IscsiDhcp.Agent;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Lab;
using IscsiDhcp.Nbd;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// The agent's own NBD socket, against real clients (nbdinfo, nbdcopy, qemu-img, nbdfuse with
/// ext4 on a loop mount), an unprivileged one (`nobody` through runuser), hostile ones, a target
/// that dies and comes back underneath, and the agent shutting down under a connected client.
/// </summary>
[Collection("nbd")]
public sealed class AgentExportTests(AgentExportFixture lab) : IClassFixture<AgentExportFixture>
{
    string Source => AgentExportFixture.ExportName(lab.Main, 1);
    string Scratch => AgentExportFixture.ExportName(lab.Main, 2);

    static Task<CommandResult> Tool(string program, params string[] arguments) =>
        Task.Run(() => CommandRunner.Run(program, arguments, TimeSpan.FromSeconds(120)));

    static async Task<CommandResult> Check(string program, params string[] arguments)
    {
        var result = await Tool(program, arguments);
        Assert.True(result.Succeeded, result.ToString());
        return result;
    }

    /// <summary>fusermount3 -u, waiting out "busy": the kernel lets go of an autoclear loop device's file a moment after umount returns.</summary>
    static async Task UnmountFuseAsync(string fuse)
    {
        // The loop device lets go of the FUSE file only once its detach has flushed it, through
        // nbdfuse, the agent and tgtd's fsync of the LUN file: seconds on a disk other runs share
        // (10 s was exceeded once in CI beside a bench writing 512 MiB files).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var result = await Tool("fusermount3", "-u", fuse);
            if (result.Succeeded) return;
            Assert.True(result.StandardError.Contains("busy", StringComparison.Ordinal) && DateTime.UtcNow < deadline, result.ToString());
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Nbdinfo_lists_the_agents_exports_with_their_sizes_and_the_agent_counts_the_connections()
    {
        var before = await lab.Client.GetStatusAsync();
        Assert.Equal(lab.ExportSocket, before.ExportEndpoint);
        var listed = await Check("nbdinfo", "--list", "--json", lab.Uri());
        using var json = JsonDocument.Parse(listed.StandardOutput);
        var exports = json.RootElement.GetProperty("exports").EnumerateArray()
            .ToDictionary(e => e.GetProperty("export-name").GetString()!, e => e.GetProperty("export-size").GetInt64());
        Assert.Equal(AgentExportFixture.LunSize, exports[Source]);
        Assert.Equal(AgentExportFixture.LunSize, exports[Scratch]);
        Assert.Equal(1L << 20, exports[AgentExportFixture.ExportName(lab.Protected, 1)]);
        var after = await lab.Client.GetStatusAsync();
        Assert.True(after.ExportConnections > before.ExportConnections, $"{before.ExportConnections} -> {after.ExportConnections}");
    }

    [Fact]
    public async Task Nbdcopy_copies_a_lun_from_the_agent_to_a_file_whose_sha256_is_the_backing_files()
    {
        var copy = Path.Combine(lab.Run.Directory, "agent-copy-of-lun1.img");
        await Check("nbdcopy", lab.Uri(Source), copy);
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(lab.Main.LunFiles[0])), SHA256.HashData(await File.ReadAllBytesAsync(copy)));
        File.Delete(copy);
    }

    [Fact]
    public async Task Writes_through_the_agents_export_reach_the_backing_file_and_qemu_img_finds_them_identical()
    {
        var source = Path.Combine(lab.Run.Directory, "agent-to-lun2.img");
        var data = new byte[AgentExportFixture.LunSize];
        new Random(162).NextBytes(data);
        await File.WriteAllBytesAsync(source, data);
        var written = (await lab.Client.GetStatusAsync()).ExportBytesWritten;
        await Check("nbdcopy", "--flush", source, lab.Uri(Scratch));
        await Check("qemu-img", "compare", "-f", "raw", "-F", "raw", lab.Uri(Scratch), lab.Main.LunFiles[1]);
        Assert.True((await File.ReadAllBytesAsync(lab.Main.LunFiles[1])).AsSpan().SequenceEqual(data));
        Assert.True((await lab.Client.GetStatusAsync()).ExportBytesWritten >= written + data.Length);
        File.Delete(source);
    }

    [Fact]
    public async Task Copy_through_the_agent_reads_a_lun_with_the_backing_files_sha256_and_writes_reach_the_backing_file()
    {
        // The operations as the cmdlets run them, on a session the agent holds: the data goes through the module's NBD client.
        var lunFile = Path.Combine(lab.Run.Directory, "copied-through-agent.img");
        var host = new RecordingHost();
        var copy = new CopyIscsiLunOperation(lab.Client) { Lun = 1, Path = lunFile, Direction = IscsiCopyDirection.LunToFile, Verify = true, PassThru = true };
        copy.Selector.SessionIdentifier = [lab.MainSession.SessionIdentifier];
        var read = (await lab.Client.GetStatusAsync()).ExportBytesRead;
        await copy.RunAsync(host);
        var backing = SHA256.HashData(await File.ReadAllBytesAsync(lab.Main.LunFiles[0]));
        Assert.Equal(Convert.ToHexString(backing), host.Only<IscsiCopyResult>().Sha256);
        Assert.Equal(backing, SHA256.HashData(await File.ReadAllBytesAsync(lunFile)));
        Assert.True((await lab.Client.GetStatusAsync()).ExportBytesRead >= read + AgentExportFixture.LunSize, "the copy went through the export");

        var data = RandomNumberGenerator.GetBytes(3 << 20);
        var source = Path.Combine(lab.Run.Directory, "into-lun2-through-agent.bin");
        await File.WriteAllBytesAsync(source, data);
        host = new RecordingHost();
        var write = new CopyIscsiLunOperation(lab.Client) { Lun = 2, Path = source, Direction = IscsiCopyDirection.FileToLun, Offset = 512, Verify = true, PassThru = true };
        write.Selector.SessionIdentifier = [lab.MainSession.SessionIdentifier];
        await write.RunAsync(host);
        Assert.True(host.Only<IscsiCopyResult>().Verified);
        var lun2 = await File.ReadAllBytesAsync(lab.Main.LunFiles[1]);
        Assert.True(data.AsSpan().SequenceEqual(lun2.AsSpan(512, data.Length)), "the backing file does not hold the bytes written through the agent");
        File.Delete(lunFile);
        File.Delete(source);
    }

    [Fact]
    public async Task Measure_and_a_stream_through_the_agent_work_and_a_missing_or_protected_lun_is_refused_by_name()
    {
        var host = new RecordingHost();
        var measure = new MeasureIscsiLunOperation(lab.Client) { Lun = 1, Duration = TimeSpan.FromSeconds(1), QueueDepth = 4, BlockSize = 65536 };
        measure.Selector.SessionIdentifier = [lab.MainSession.SessionIdentifier];
        await measure.RunAsync(host);
        var result = host.Only<IscsiMeasureResult>();
        Assert.True(result.Ios > 0 && result.Errors == 0, $"{result.Ios} I/Os, {result.Errors} errors");

        using (var device = await lab.Client.OpenBlockDeviceAsync(lab.MainSession.SessionIdentifier, 1, writable: false, default))
        using (var stream = new IscsiDhcp.Block.LunStream(device, writable: false))
        {
            var middle = new byte[1000];
            stream.Position = 12345;
            Assert.Equal(middle.Length, await stream.ReadAsync(middle));
            var lun1 = await File.ReadAllBytesAsync(lab.Main.LunFiles[0]);
            Assert.True(middle.AsSpan().SequenceEqual(lun1.AsSpan(12345, middle.Length)));
        }

        var missing = await Assert.ThrowsAsync<IscsiLunNotFoundException>(() => lab.Client.OpenBlockDeviceAsync(lab.MainSession.SessionIdentifier, 9, false, default));
        Assert.Equal(9, missing.Lun);
        var controller = await Assert.ThrowsAsync<IscsiLunNotBlockDeviceException>(() => lab.Client.OpenBlockDeviceAsync(lab.MainSession.SessionIdentifier, 0, false, default));
        Assert.Contains("StorageArrayController", controller.Message);
        var protectedSession = (await lab.Client.GetSessionsAsync(default)).Single(s => s.TargetNodeAddress == lab.Protected.Name);
        using (var readOnly = await lab.Client.OpenBlockDeviceAsync(protectedSession.SessionIdentifier, 1, writable: false, default))
            Assert.True(readOnly.IsReadOnly, $"flags {((IscsiDhcp.Nbd.NbdClient)readOnly).Export.Flags}");
        var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => lab.Client.OpenBlockDeviceAsync(protectedSession.SessionIdentifier, 1, writable: true, default));
        Assert.Contains("write-protected", refused.Message);
    }

    [Fact]
    public async Task A_write_protected_lun_is_a_read_only_export_and_a_writable_one_is_not()
    {
        static async Task<bool> ReadOnly(string uri)
        {
            var info = await Check("nbdinfo", "--json", uri);
            using var json = JsonDocument.Parse(info.StandardOutput);
            return json.RootElement.GetProperty("exports")[0].GetProperty("is_read_only").GetBoolean();
        }
        Assert.True(await ReadOnly(lab.Uri(AgentExportFixture.ExportName(lab.Protected, 1))));
        Assert.False(await ReadOnly(lab.Uri(Scratch)));

        using var client = await NbdTestClient.ConnectAsync(lab.ExportSocket);
        Assert.Equal(NbdOptionReplyType.Ack, await client.GoAsync(AgentExportFixture.ExportName(lab.Protected, 1), structured: true));
        await client.SendRequestAsync(NbdCommand.Write, 0, 512, payload: new byte[512]);
        Assert.Equal(NbdError.NotPermitted, (await client.ReplyAsync()).Error);
    }

    [Fact]
    public async Task An_unprivileged_peer_may_list_the_exports_but_opening_one_is_refused_by_policy_and_counted()
    {
        var refused = (await lab.Client.GetStatusAsync()).ExportRefusedByPolicy;
        // nbdinfo --list names every export, then opens each for its size: refused, and counted (it exits with an error).
        var listed = await Tool("runuser", "-u", "nobody", "--", "nbdinfo", "--list", "--json", lab.Uri());
        Assert.False(listed.Succeeded, listed.ToString());
        Assert.True((await lab.Client.GetStatusAsync()).ExportRefusedByPolicy > refused);

        refused = (await lab.Client.GetStatusAsync()).ExportRefusedByPolicy;
        var copy = Path.Combine(lab.Run.Directory, "nobody-copy.img");
        var denied = await Tool("runuser", "-u", "nobody", "--", "nbdcopy", lab.Uri(Source), "null:");
        Assert.False(denied.Succeeded, denied.ToString());
        Assert.True((await lab.Client.GetStatusAsync()).ExportRefusedByPolicy > refused);
        Assert.False(File.Exists(copy));

        // Root, on the same socket at the same time, still reads.
        await Check("nbdinfo", "--size", lab.Uri(Source));
    }

    [Fact]
    public async Task Hostile_clients_on_the_agents_socket_get_the_protocol_errors_and_the_agent_keeps_serving()
    {
        var before = await lab.Client.GetStatusAsync();
        using (var client = await NbdTestClient.ConnectAsync(lab.ExportSocket))
        {
            Assert.Equal(NbdOptionReplyType.ErrorUnsupported, await client.OptionAsync((NbdOption)0x4242, [1, 2]));
            Assert.Equal(NbdOptionReplyType.ErrorUnknown, await client.OptionAsync(NbdOption.Info, new NbdExportQuery("iqn.no-such/1", []).ToBytes()));
            Assert.Equal(NbdOptionReplyType.Ack, await client.GoAsync(Source, structured: true));
            await client.SendRequestAsync(NbdCommand.Read, (ulong)AgentExportFixture.LunSize, 512);           // past the end
            Assert.Equal(NbdError.Invalid, (await client.ReplyAsync(512)).Error);
            await client.SendRequestAsync(NbdCommand.Read, 100, 512);                                          // unaligned
            Assert.Equal(NbdError.Invalid, (await client.ReplyAsync(512)).Error);
            await client.SendRequestAsync((NbdCommand)99, 0, 0);                                               // unknown command
            Assert.Equal(NbdError.Invalid, (await client.ReplyAsync()).Error);
            await client.SendRequestAsync(NbdCommand.Read, 0, 512, magic: 0xBADBAD);                          // bad magic: dropped
            Assert.True(await client.IsClosedByServerAsync());
        }
        using (var vanishing = await NbdTestClient.ConnectAsync(lab.ExportSocket))
        {
            Assert.Equal(NbdOptionReplyType.Ack, await vanishing.GoAsync(Scratch, structured: false));
            await vanishing.SendRequestAsync(NbdCommand.Write, 0, 1 << 20, payload: new byte[4096]);        // gone mid-write
        }
        var after = await lab.Client.GetStatusAsync();
        Assert.True(after.ExportProtocolViolations > before.ExportProtocolViolations);
        Assert.Equal(lab.Agent.ProcessId, await lab.Client.PingAsync());
        await Check("nbdinfo", "--size", lab.Uri(Source));
    }

    [Fact]
    public async Task Past_the_replacement_timeout_requests_fail_with_EIO_and_the_connection_stays()
    {
        var export = AgentExportFixture.ExportName(lab.Impatient, 1);
        using var client = await NbdTestClient.ConnectAsync(lab.ExportSocket);
        Assert.Equal(NbdOptionReplyType.Ack, await client.GoAsync(export, structured: true));
        await client.SendRequestAsync(NbdCommand.Read, 0, 4096);
        Assert.Equal(NbdError.None, (await client.ReplyAsync(4096)).Error);
        lab.Tgtd.Kill();
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await client.SendRequestAsync(NbdCommand.Read, 0, 4096);
            var failed = await client.ReplyAsync(4096);
            Assert.Equal(NbdError.IO, failed.Error);
            Assert.True(clock.Elapsed >= AgentExportFixture.ShortReplacement - TimeSpan.FromMilliseconds(200), $"failed after {clock.Elapsed}");
            // Per request, not the socket: the next request gets its own reply.
            await client.SendRequestAsync(NbdCommand.Flush, 0, 0);
            Assert.Contains((await client.ReplyAsync()).Error, new[] { NbdError.IO, NbdError.Shutdown });
        }
        finally
        {
            lab.Tgtd.Restart();
        }
        await WaitLoggedInAsync(lab.MainSession.SessionIdentifier);
    }

    async Task WaitLoggedInAsync(string session)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await lab.Client.GetSessionsAsync(default)).FirstOrDefault(s => s.SessionIdentifier == session) is not { IsConnected: true })
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{session} did not come back");
            await Task.Delay(100);
        }
    }

    /// <summary>nbdfuse serves in the foreground until unmounted: started in the background (output to a log, so the runner does not wait on its pipes), ready once it writes its pid file.</summary>
    async Task FuseAsync(string mountpoint, string uri, bool readOnly)
    {
        var log = Path.Combine(lab.Run.Directory, "nbdfuse.log");
        var pid = Path.Combine(lab.Run.Directory, $"nbdfuse-{Guid.NewGuid():N}.pid");
        await Check("sh", "-c", $"nbdfuse {(readOnly ? "-r " : "")}-P '{pid}' '{mountpoint}' '{uri}' </dev/null >>'{log}' 2>&1 &");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(pid) || new FileInfo(pid).Length == 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), File.Exists(log) ? File.ReadAllText(log) : "nbdfuse wrote nothing");
            await Task.Delay(50);
        }
        Assert.True(File.Exists(Path.Combine(mountpoint, "nbd")), File.Exists(log) ? File.ReadAllText(log) : "nbdfuse wrote nothing");
    }

    [Fact]
    public async Task Ext4_on_nbdfuse_over_the_agent_keeps_every_file_when_tgtd_is_killed_and_restarted_mid_write()
    {
        var fuse = Path.Combine(lab.Run.Directory, "fuse");
        var mount = Path.Combine(lab.Run.Directory, "ext4");
        Directory.CreateDirectory(fuse);
        Directory.CreateDirectory(mount);
        var image = Path.Combine(fuse, "nbd");
        var files = new Dictionary<string, byte[]>();
        var fused = false;
        var mounted = false;
        var failedBefore = (await lab.Client.GetStatusAsync()).ExportFailedRequests;
        try
        {
            await FuseAsync(fuse, lab.Uri(Scratch), readOnly: false);
            fused = true;
            await Check("mkfs.ext4", "-q", "-F", image);
            await Check("mount", "-o", "loop", image, mount);
            mounted = true;

            var random = new Random(163);
            var writing = Task.Run(() =>
            {
                for (var i = 0; i < 24; i++)
                {
                    var data = new byte[256 << 10];
                    random.NextBytes(data);
                    var path = Path.Combine(mount, $"file{i}.bin");
                    using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                    {
                        file.Write(data);
                        file.Flush(flushToDisk: true);   // through loop, FUSE and NBD to the LUN while tgtd is down
                    }
                    lock (files) files[path] = data;
                    Thread.Sleep(50);
                }
            });
            await Task.Delay(300);
            lab.Tgtd.Kill();
            await Task.Delay(1500);
            lab.Tgtd.Restart();
            await writing;
            await Check("umount", mount);
            mounted = false;
            await UnmountFuseAsync(fuse);
            fused = false;

            // Read back through a fresh mount of the export: every file as written.
            await FuseAsync(fuse, lab.Uri(Scratch), readOnly: true);
            fused = true;
            await Check("mount", "-o", "loop,ro", image, mount);
            mounted = true;
            Assert.Equal(24, files.Count);
            foreach (var (path, data) in files)
                Assert.True((await File.ReadAllBytesAsync(path)).AsSpan().SequenceEqual(data), $"{path} differs");
        }
        finally
        {
            if (mounted) CommandRunner.Run("umount", mount);
            if (fused) CommandRunner.Run("fusermount3", "-u", fuse);
        }
        await Check("e2fsck", "-fn", lab.Main.LunFiles[1]);
        Assert.Equal(failedBefore, (await lab.Client.GetStatusAsync()).ExportFailedRequests);   // a delay, never an error
    }
}
