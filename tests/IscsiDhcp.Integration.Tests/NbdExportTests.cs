using System.Security.Cryptography;
using System.Text.Json;
using IscsiDhcp.Lab;
using IscsiDhcp.Nbd;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// LUNs of a supervised session exported over NBD, against real clients (libnbd's nbdinfo and
/// nbdcopy, qemu-img) and against hostile ones driven byte by byte.
/// </summary>
[Collection("nbd")]
public sealed class NbdExportTests(NbdExportFixture lab) : IClassFixture<NbdExportFixture>
{
    string Rw => lab.ReadWrite.Path;
    string Source => NbdExportFixture.ExportName(lab.Main, 1);
    string Scratch => NbdExportFixture.ExportName(lab.Main, 2);

    static Task<CommandResult> Tool(string program, params string[] arguments) =>
        Task.Run(() => CommandRunner.Run(program, arguments, TimeSpan.FromSeconds(120)));

    static async Task<CommandResult> Check(string program, params string[] arguments)
    {
        var result = await Tool(program, arguments);
        Assert.True(result.Succeeded, result.ToString());
        return result;
    }

    [Fact]
    public async Task Nbdinfo_lists_every_block_lun_of_the_live_sessions_with_its_size()
    {
        var listed = await Check("nbdinfo", "--list", "--json", NbdExportFixture.Uri(Rw));
        using var json = JsonDocument.Parse(listed.StandardOutput);
        var exports = json.RootElement.GetProperty("exports").EnumerateArray()
            .ToDictionary(e => e.GetProperty("export-name").GetString()!, e => e.GetProperty("export-size").GetInt64());
        Assert.Equal(NbdExportFixture.LunSize, exports[Source]);
        Assert.Equal(NbdExportFixture.LunSize, exports[Scratch]);
        Assert.DoesNotContain(exports.Keys, k => k.EndsWith("/0", StringComparison.Ordinal));   // tgtd's controller LUN is no block device

        var one = await Check("nbdinfo", "--json", NbdExportFixture.Uri(Rw, Source));
        using var info = JsonDocument.Parse(one.StandardOutput);
        var export = info.RootElement.GetProperty("exports")[0];
        Assert.Equal(512, export.GetProperty("block_size_minimum").GetInt32());
        Assert.Equal((int)NbdExportFixture.MaximumPayload, export.GetProperty("block_size_maximum").GetInt32());
        Assert.True(export.GetProperty("can_flush").GetBoolean());
        Assert.False(export.GetProperty("is_read_only").GetBoolean());
    }

    [Fact]
    public async Task Nbdcopy_copies_a_lun_to_a_file_whose_sha256_is_the_backing_files()
    {
        var copy = Path.Combine(lab.Run.Directory, "copy-of-lun1.img");
        await Check("nbdcopy", NbdExportFixture.Uri(Rw, Source), copy);
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(lab.Main.LunFiles[0])), SHA256.HashData(await File.ReadAllBytesAsync(copy)));
        File.Delete(copy);
    }

    [Fact]
    public async Task Writes_through_the_export_reach_the_backing_file_and_qemu_img_finds_them_identical()
    {
        var source = Path.Combine(lab.Run.Directory, "to-lun2.img");
        var data = new byte[NbdExportFixture.LunSize];
        new Random(17).NextBytes(data);
        await File.WriteAllBytesAsync(source, data);
        await Check("nbdcopy", "--flush", source, NbdExportFixture.Uri(Rw, Scratch));
        await Check("qemu-img", "compare", "-f", "raw", "-F", "raw", NbdExportFixture.Uri(Rw, Scratch), lab.Main.LunFiles[1]);
        Assert.True((await File.ReadAllBytesAsync(lab.Main.LunFiles[1])).AsSpan().SequenceEqual(data));
        File.Delete(source);
    }

    [Fact]
    public async Task A_read_only_connection_says_so_and_refuses_writes_with_EPERM()
    {
        var info = await Check("nbdinfo", "--json", NbdExportFixture.Uri(lab.ReadOnly.Path, Scratch));
        using var json = JsonDocument.Parse(info.StandardOutput);
        Assert.True(json.RootElement.GetProperty("exports")[0].GetProperty("is_read_only").GetBoolean());

        using var client = await NbdTestClient.ConnectAsync(lab.ReadOnly.Path);
        Assert.Equal(NbdOptionReplyType.Ack, await client.GoAsync(Scratch, structured: true));
        Assert.True((client.Features & NbdExportFeatures.ReadOnly) != 0);
        await client.SendRequestAsync(NbdCommand.Write, 0, 512, payload: new byte[512]);
        Assert.Equal(NbdError.NotPermitted, (await client.ReplyAsync()).Error);
        await client.SendRequestAsync(NbdCommand.Read, 0, 512);
        var read = await client.ReplyAsync(512);
        Assert.Equal(NbdError.None, read.Error);
        Assert.Equal(512, read.Data.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bad_requests_get_the_error_the_protocol_names_and_the_connection_goes_on(bool structured)
    {
        using var client = await NbdTestClient.ConnectAsync(Rw);
        Assert.Equal(NbdOptionReplyType.Ack, await client.GoAsync(Source, structured));
        Assert.Equal((ulong)NbdExportFixture.LunSize, client.Size);
        var rejected = lab.Server.Counters.RejectedRequests;

        await client.SendRequestAsync(NbdCommand.Read, (ulong)NbdExportFixture.LunSize - 512, 1024);            // past the end
        Assert.Equal(NbdError.Invalid, (await client.ReplyAsync(1024)).Error);
        await client.SendRequestAsync(NbdCommand.Write, (ulong)NbdExportFixture.LunSize, 512, payload: new byte[512]);   // write past the end
        Assert.Equal(NbdError.NoSpace, (await client.ReplyAsync()).Error);
        await client.SendRequestAsync(NbdCommand.Read, 0, NbdExportFixture.MaximumPayload * 2);                     // oversize read
        Assert.Equal(structured ? NbdError.Overflow : NbdError.Invalid, (await client.ReplyAsync()).Error);
        await client.SendRequestAsync(NbdCommand.Write, 0, NbdExportFixture.MaximumPayload + 512, payload: new byte[NbdExportFixture.MaximumPayload + 512]);   // oversize write: its data is skipped
        Assert.Equal(NbdError.Invalid, (await client.ReplyAsync()).Error);
        await client.SendRequestAsync(NbdCommand.Read, 100, 512);                                                   // unaligned
        Assert.Equal(NbdError.Invalid, (await client.ReplyAsync()).Error);
        await client.SendRequestAsync((NbdCommand)42, 0, 0);                                                        // unknown command
        Assert.Equal(NbdError.Invalid, (await client.ReplyAsync()).Error);
        await client.SendRequestAsync(NbdCommand.Read, 0, 512, (NbdRequestModifiers)0x100);                        // unknown flag
        Assert.Equal(NbdError.Invalid, (await client.ReplyAsync()).Error);
        Assert.Equal(rejected + 7, lab.Server.Counters.RejectedRequests);

        // Still in step: a good read returns the LUN's bytes.
        await client.SendRequestAsync(NbdCommand.Read, 4096, 4096);
        var good = await client.ReplyAsync(4096);
        Assert.Equal(NbdError.None, good.Error);
        Assert.True(good.Data.AsSpan().SequenceEqual(File.ReadAllBytes(lab.Main.LunFiles[0]).AsSpan(4096, 4096)));
        await client.SendRequestAsync(NbdCommand.Disconnect, 0, 0);
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Bad_options_get_error_replies_and_the_handshake_goes_on()
    {
        using var client = await NbdTestClient.ConnectAsync(Rw);
        var rejected = lab.Server.Counters.RejectedOptions;
        Assert.Equal(NbdOptionReplyType.ErrorUnsupported, await client.OptionAsync((NbdOption)0x1234, [1, 2, 3]));
        Assert.Equal(NbdOptionReplyType.ErrorTooBig, await client.OptionAsync((NbdOption)0x1235, new byte[100_000]));
        Assert.Equal(NbdOptionReplyType.ErrorInvalid, await client.OptionAsync(NbdOption.List, [0]));
        Assert.Equal(NbdOptionReplyType.ErrorInvalid, await client.OptionAsync(NbdOption.Go, [0, 0, 0, 9, 1]));   // a name longer than the data
        Assert.Equal(NbdOptionReplyType.ErrorUnknown, await client.OptionAsync(NbdOption.Info, new NbdExportQuery("no-such/7", []).ToBytes()));
        Assert.Equal(rejected + 5, lab.Server.Counters.RejectedOptions);
        Assert.Equal(NbdOptionReplyType.Ack, await client.GoAsync(Source, structured: false));
        await client.SendRequestAsync(NbdCommand.Flush, 0, 0);
        Assert.Equal(NbdError.None, (await client.ReplyAsync()).Error);
    }

    [Fact]
    public async Task Clients_that_break_the_framing_or_vanish_mid_request_are_dropped_and_the_server_keeps_serving()
    {
        var violations = lab.Server.Counters.ProtocolViolations;
        using (var badFlags = await NbdTestClient.ConnectAsync(Rw, clientFlags: 0x80))
            Assert.True(await badFlags.IsClosedByServerAsync());
        using (var badOptionMagic = await NbdTestClient.ConnectAsync(Rw))
        {
            await badOptionMagic.SendAsync(new byte[16]);
            Assert.True(await badOptionMagic.IsClosedByServerAsync());
        }
        using (var badRequestMagic = await NbdTestClient.ConnectAsync(Rw))
        {
            Assert.Equal(NbdOptionReplyType.Ack, await badRequestMagic.GoAsync(Source, structured: false));
            await badRequestMagic.SendRequestAsync(NbdCommand.Read, 0, 512, magic: 0x12345678);
            Assert.True(await badRequestMagic.IsClosedByServerAsync());
        }
        Assert.Equal(violations + 3, lab.Server.Counters.ProtocolViolations);

        // Gone in the middle of a write's data, and with reads in flight.
        using (var vanishing = await NbdTestClient.ConnectAsync(Rw))
        {
            Assert.Equal(NbdOptionReplyType.Ack, await vanishing.GoAsync(Scratch, structured: true));
            for (var i = 0; i < 16; i++) await vanishing.SendRequestAsync(NbdCommand.Read, (ulong)i << 16, 1 << 16);
            await vanishing.SendRequestAsync(NbdCommand.Write, 0, 1 << 20, payload: new byte[1000]);
        }
        using (var half = await NbdTestClient.ConnectAsync(Rw))
            await half.SendOptionAsync(NbdOption.Go, [0, 0]);   // gone within an option

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (lab.Server.Counters.ActiveConnections != 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"connections still served: {lab.Server.Counters}");
            await Task.Delay(20);
        }
        await Check("nbdinfo", "--size", NbdExportFixture.Uri(Rw, Source));
    }

    [Fact]
    public async Task When_the_session_ends_requests_fail_with_NBD_errors_and_the_socket_stays()
    {
        using var client = await NbdTestClient.ConnectAsync(Rw);
        Assert.Equal(NbdOptionReplyType.Ack, await client.GoAsync(NbdExportFixture.ExportName(lab.Doomed, 1), structured: true));
        await client.SendRequestAsync(NbdCommand.Read, 0, 4096);
        Assert.Equal(NbdError.None, (await client.ReplyAsync(4096)).Error);

        await lab.Service.DisconnectSessionAsync(lab.DoomedSession.SessionIdentifier, force: false, default);
        await client.SendRequestAsync(NbdCommand.Read, 0, 4096);
        var after = await client.ReplyAsync(4096);
        Assert.Contains(after.Error, new[] { NbdError.Shutdown, NbdError.IO });
        await client.SendRequestAsync(NbdCommand.Write, 0, 512, payload: new byte[512]);
        Assert.Contains((await client.ReplyAsync()).Error, new[] { NbdError.Shutdown, NbdError.IO });
    }

    [Fact]
    public async Task While_the_session_reconnects_underneath_clients_see_a_delay_and_no_error()
    {
        using var client = await NbdTestClient.ConnectAsync(Rw);
        Assert.Equal(NbdOptionReplyType.Ack, await client.GoAsync(Source, structured: true));
        var failed = lab.Server.Counters.FailedRequests;
        var backing = await File.ReadAllBytesAsync(lab.Main.LunFiles[0]);

        lab.Tgtd.Kill();
        // A request in flight on an open connection, and a new client's whole handshake and copy, both while the target is down.
        await client.SendRequestAsync(NbdCommand.Read, 1 << 20, 1 << 16);
        var copy = Path.Combine(lab.Run.Directory, "copy-across-restart.img");
        var copying = Tool("nbdcopy", NbdExportFixture.Uri(Rw, Source), copy);
        await Task.Delay(1500);
        lab.Tgtd.Restart();

        var reply = await client.ReplyAsync(1 << 16);
        Assert.Equal(NbdError.None, reply.Error);
        Assert.True(reply.Data.AsSpan().SequenceEqual(backing.AsSpan(1 << 20, 1 << 16)));
        var copied = await copying;
        Assert.True(copied.Succeeded, copied.ToString());
        Assert.Equal(SHA256.HashData(backing), SHA256.HashData(await File.ReadAllBytesAsync(copy)));
        Assert.Equal(failed, lab.Server.Counters.FailedRequests);
        File.Delete(copy);
    }
}
