using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Block;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Integration.Tests;

/// <summary>The stream over a LUN: unaligned writes by read-modify-write, reads, seeking, copying.</summary>
public sealed class LunStreamTests(IscsiTargetFixture lab) : IClassFixture<IscsiTargetFixture>
{
    [Fact]
    public async Task Unaligned_writes_land_exactly_where_asked_and_leave_their_neighbours_alone()
    {
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Open));
        await using var stream = await LunStream.OpenAsync(session, 2, writable: true);
        Assert.Equal(4L << 20, stream.Length);

        var background = new byte[stream.Length];
        new Random(3).NextBytes(background);
        await stream.WriteAsync(background);                      // aligned, in 1 MiB commands
        var patch = new byte[10_000];
        new Random(4).NextBytes(patch);
        stream.Position = 777;                                    // mid-block start and end
        await stream.WriteAsync(patch);
        await stream.FlushAsync();
        patch.CopyTo(background, 777);

        var onDisk = await File.ReadAllBytesAsync(lab.Open.LunFiles[1]);
        Assert.True(onDisk.AsSpan().SequenceEqual(background), "the backing file differs from the stream's writes");

        stream.Seek(-5000, SeekOrigin.End);
        var tail = new byte[8000];
        Assert.Equal(5000, await stream.ReadAsync(tail));         // a read stops at the end
        Assert.True(tail.AsSpan(0, 5000).SequenceEqual(background.AsSpan(background.Length - 5000)));

        stream.Position = 0;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.True(copy.ToArray().AsSpan().SequenceEqual(background));
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_read_only_stream_refuses_writes_and_writes_past_the_end_are_refused()
    {
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Open));
        await using var reader = await LunStream.OpenAsync(session, 2, writable: false);
        Assert.False(reader.CanWrite);
        Assert.Throws<NotSupportedException>(() => reader.Write(new byte[1], 0, 1));
        await using var writer = await LunStream.OpenAsync(session, 2, writable: true);
        writer.Position = writer.Length - 1;
        Assert.Throws<IOException>(() => writer.Write(new byte[2], 0, 2));
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_logical_unit_reset_is_carried_out_and_the_unit_attention_after_it_absorbed()
    {
        using var session = await IscsiProtocolSession.LoginAsync(lab.Portal, IscsiTargetFixture.Settings(lab.Open));
        Assert.Equal(0, await session.TaskManagementAsync(TaskManagementFunction.LogicalUnitReset, ScsiLun.Encode(1)));
        // The reset raises a UNIT ATTENTION on the LUN; ScsiDevice retries past it.
        await new ScsiDevice(session, 1).TestUnitReadyAsync();
        await session.LogoutAsync(TimeSpan.FromSeconds(5));
    }
}
