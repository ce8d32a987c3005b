using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Lab.Tgtd;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// Writes and reads through our initiator, checked against the LUN's backing file on disk:
/// random offsets and sizes, many commands in flight, with and without digests, with
/// InitialR2T=Yes (every byte solicited) and =No (unsolicited first burst).
/// </summary>
public sealed class IscsiDataPathTests(IscsiTargetFixture lab) : IClassFixture<IscsiTargetFixture>
{
    const uint BlockSize = 512;

    public static TheoryData<bool, bool, bool> Shapes() => new()
    {
        { false, false, false },
        { true, true, false },
        { true, false, false },
        { false, true, false },
        { false, false, true },
        { true, true, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Random_writes_then_reads_match_the_backing_file(bool headerDigest, bool dataDigest, bool initialR2T)
    {
        var settings = IscsiTargetFixture.Settings(lab.Open) with
        {
            HeaderDigest = headerDigest,
            DataDigest = dataDigest,
            InitialR2T = initialR2T,
            ImmediateData = !initialR2T,
        };
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, settings, new IscsiSessionOptions { QueueDepth = 16 });
        Assert.Equal(headerDigest, session.Parameters.HeaderDigest);
        Assert.Equal(dataDigest, session.Parameters.DataDigest);
        Assert.Equal(initialR2T, session.Parameters.InitialR2T);
        var lun = new ScsiDevice(session, 1);
        var capacity = await lun.ReadCapacityAsync();
        Assert.Equal(BlockSize, capacity.BlockSize);
        Assert.Equal((ulong)(64L << 20) / BlockSize, capacity.BlockCount);

        // At least 64 MiB in all, in pieces of 1 to 1024 blocks at random places, 16 at a time.
        var random = new Random(headerDigest ? 1 : 2 + (initialR2T ? 10 : 0));
        var total = 0L;
        var writes = new List<(ulong Lba, byte[] Data)>();
        while (total < 64L << 20)
        {
            // Writes in flight together never overlap, so the order they land in does not matter.
            var batch = new List<Task>();
            var taken = new List<(ulong Start, ulong End)>();
            for (var i = 0; i < 16; i++)
            {
                var blocks = random.Next(1, 1025);
                ulong lba;
                do lba = (ulong)random.NextInt64(0, (long)capacity.BlockCount - blocks);
                while (taken.Any(t => lba < t.End && t.Start < lba + (ulong)blocks));
                taken.Add((lba, lba + (ulong)blocks));
                var data = new byte[blocks * BlockSize];
                random.NextBytes(data);
                writes.Add((lba, data));
                total += data.Length;
                batch.Add(lun.WriteAsync(lba, data, BlockSize).AsTask());
            }
            await Task.WhenAll(batch);
        }
        await lun.SynchronizeCacheAsync();

        // Later writes win where ranges overlap: replay them onto a model of the disk.
        var model = new byte[64L << 20];
        foreach (var (lba, data) in writes) data.CopyTo(model, (long)lba * BlockSize);
        var onDisk = await File.ReadAllBytesAsync(lab.Open.LunFiles[0]);
        foreach (var (lba, data) in writes.TakeLast(200))
            Assert.True(onDisk.AsSpan((int)(lba * BlockSize), data.Length).SequenceEqual(model.AsSpan((int)(lba * BlockSize), data.Length)),
                $"backing file differs from what was written at LBA {lba}");

        // Read back through the initiator, many in flight, each into its own buffer.
        var reads = writes.TakeLast(300).Select(async w =>
        {
            var buffer = new byte[w.Data.Length];
            await lun.ReadAsync(w.Lba, buffer, BlockSize);
            return (w.Lba, buffer);
        }).ToList();
        foreach (var (lba, buffer) in await Task.WhenAll(reads))
            Assert.True(buffer.AsSpan().SequenceEqual(onDisk.AsSpan((int)(lba * BlockSize), buffer.Length)), $"read at LBA {lba} differs from the backing file");

        Assert.True(session.BytesWritten >= 64L << 20);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Inquiry_VPD_capacity_and_report_luns_describe_the_target()
    {
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Open));
        var luns = await ScsiDevice.ReportLunsAsync(session);
        Assert.Equal([0, 1, 2], luns.Order().ToArray());
        var second = new ScsiDevice(session, 2);
        Assert.Equal((ulong)(4L << 20), (await second.ReadCapacityAsync()).SizeBytes);
        Assert.False(string.IsNullOrEmpty(await second.SerialNumberAsync()));
        var ids = await second.DeviceIdentifiersAsync();
        Assert.NotEmpty(ids);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_read_past_the_end_of_the_LUN_is_an_ILLEGAL_REQUEST()
    {
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Open));
        var lun = new ScsiDevice(session, 2);
        var e = await Assert.ThrowsAsync<ScsiCommandException>(() => lun.ReadAsync((4u << 20) / BlockSize, new byte[BlockSize], BlockSize).AsTask());
        Assert.Equal(ScsiSense.IllegalRequest, e.Sense?.SenseKey);
        // The session goes on working after the error.
        await lun.ReadAsync(0, new byte[BlockSize], BlockSize);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_ping_measures_the_round_trip()
    {
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Open));
        var rtt = await session.PingAsync(TimeSpan.FromSeconds(5));
        Assert.True(rtt > TimeSpan.Zero && rtt < TimeSpan.FromSeconds(5));
        Assert.Equal(rtt, session.LastNopRoundTrip);
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }
}
