using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Scsi;

public sealed class ScsiDeviceTests
{
    /// <summary>A transport that answers at once from a script of results, recording each CDB.</summary>
    sealed class ScriptedTransport(params ScsiCommandResult[] results) : IScsiTransport
    {
        readonly Queue<ScsiCommandResult> script = new(results);
        public List<byte[]> Cdbs { get; } = [];

        public void Start(ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel = default)
        {
            ScsiCommandResult next;
            lock (script)
            {
                Cdbs.Add(request.Cdb.ToArray());
                next = script.Dequeue();
            }
            completion.Complete(next);
        }
    }

    /// <summary>A transport that fills every read with its LBA's low byte and answers GOOD at once, allocating nothing.</summary>
    sealed class EchoTransport : IScsiTransport
    {
        public void Start(ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel = default)
        {
            var cdb = request.Cdb.Span;
            request.ReadBuffer.Span.Fill(cdb[5]);
            completion.Complete(new ScsiCommandResult(0, Array.Empty<byte>(), request.ReadBuffer.Length, false, false, 0));
        }
    }

    static readonly byte[] UnitAttentionSense = [0x70, 0, 0x06, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x29, 0x00];
    static ScsiCommandResult Good => new(0, [], 0, false, false, 0);
    static ScsiCommandResult CheckCondition(byte[] sense) => new(0x02, sense, 0, false, false, 0);

    [Fact]
    public async Task A_unit_attention_is_absorbed_and_the_command_retried()
    {
        var transport = new ScriptedTransport(CheckCondition(UnitAttentionSense), Good);
        await new ScsiDevice(transport, 1).TestUnitReadyAsync();
        Assert.Equal(2, transport.Cdbs.Count);
    }

    [Fact]
    public async Task Unit_attentions_that_never_stop_are_reported_after_a_bounded_number_of_tries()
    {
        var transport = new ScriptedTransport(Enumerable.Repeat(CheckCondition(UnitAttentionSense), 10).ToArray());
        var e = await Assert.ThrowsAsync<ScsiCommandException>(() => new ScsiDevice(transport, 1).TestUnitReadyAsync());
        Assert.Equal(ScsiSense.UnitAttention, e.Sense?.SenseKey);
        Assert.Equal(5, transport.Cdbs.Count);
    }

    [Fact]
    public async Task Other_check_conditions_are_typed_errors_at_once()
    {
        byte[] illegal = [0x72, 0x05, 0x24, 0x00, 0, 0, 0, 0];   // descriptor format, ILLEGAL REQUEST, INVALID FIELD IN CDB
        var transport = new ScriptedTransport(CheckCondition(illegal));
        var e = await Assert.ThrowsAsync<ScsiCommandException>(() => new ScsiDevice(transport, 1).SynchronizeCacheAsync());
        Assert.Equal((ScsiSense.IllegalRequest, 0x24, 0x00), (e.Sense!.Value.SenseKey, (int)e.Sense.Value.AdditionalSenseCode, (int)e.Sense.Value.AdditionalSenseCodeQualifier));
        Assert.Contains("ILLEGAL REQUEST", e.Message);
        Assert.Single(transport.Cdbs);
    }

    [Fact]
    public async Task Reads_allocate_nothing_once_the_operations_are_pooled()
    {
        var device = new ScsiDevice(new EchoTransport(), 1);
        var buffer = new byte[4096];
        for (var i = 0; i < 100; i++) await device.ReadAsync((ulong)i, buffer, 512);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            await device.ReadAsync((ulong)i, buffer, 512);
            if (buffer[4095] != (byte)i) Assert.Fail($"read {i} returned the data of another LBA");
        }
        var perRead = (GC.GetAllocatedBytesForCurrentThread() - before) / 10_000.0;
        Assert.True(perRead < 1, $"{perRead} bytes allocated per read");
    }

    [Fact]
    public async Task A_read_that_returns_less_than_asked_is_an_error_and_the_next_read_is_unaffected()
    {
        var transport = new ScriptedTransport(new ScsiCommandResult(0, [], 512, true, false, 512), new ScsiCommandResult(0, [], 1024, false, false, 0));
        var device = new ScsiDevice(transport, 1);
        var e = await Assert.ThrowsAsync<IOException>(() => device.ReadAsync(9, new byte[1024], 512).AsTask());
        Assert.Contains("LBA 9 returned 512 of 1024", e.Message);
        await device.ReadAsync(9, new byte[1024], 512);
        Assert.Equal(transport.Cdbs[0], transport.Cdbs[1]);
    }

    [Fact]
    public async Task An_INQUIRY_may_return_less_than_its_allocation_length()
    {
        var transport = new ScriptedTransport(new ScsiCommandResult(0, [], 36, true, false, 60));
        var result = await new ScsiDevice(transport, 1).RunAsync("INQUIRY", Cdb.Inquiry(96), new byte[96]);
        Assert.Equal(36, result.BytesTransferred);
    }

    [Theory]
    [InlineData(0UL, 8u, 10, 0x28)]
    [InlineData(0xFFFFFFFFUL, 65535u, 10, 0x28)]
    [InlineData(0x1_0000_0000UL, 8u, 16, 0x88)]
    [InlineData(5UL, 65536u, 16, 0x88)]
    public void Reads_use_READ_10_until_the_LBA_or_length_needs_READ_16(ulong lba, uint blocks, int length, byte opcode)
    {
        var cdb = Cdb.Read(lba, blocks);
        Assert.Equal(length, cdb.Length);
        Assert.Equal(opcode, cdb[0]);
    }

    [Theory]
    [InlineData(0, 0x0000_0000_0000_0000UL)]
    [InlineData(1, 0x0001_0000_0000_0000UL)]
    [InlineData(255, 0x00FF_0000_0000_0000UL)]
    [InlineData(256, 0x4100_0000_0000_0000UL)]
    [InlineData(16383, 0x7FFF_0000_0000_0000UL)]
    public void LUN_numbers_encode_and_decode(int lun, ulong field)
    {
        Assert.Equal(field, ScsiLun.Encode(lun));
        Assert.Equal(lun, ScsiLun.Decode(field));
    }

    [Fact]
    public void Sense_of_unknown_format_or_too_short_is_none()
    {
        Assert.Null(ScsiSense.Parse([]));
        Assert.Null(ScsiSense.Parse([0x70, 0]));
        Assert.Null(ScsiSense.Parse([0x7F, 0, 0, 0]));
    }

    [Fact]
    public void Device_identification_designators_are_parsed()
    {
        byte[] page =
        [
            0x00, 0x83, 0x00, 0x14,
            0x01, 0x03, 0x00, 0x08, 0x60, 0x01, 0x40, 0x50, 0x00, 0x00, 0x00, 0x01,   // binary NAA
            0x02, 0x01, 0x00, 0x04, (byte)'I', (byte)'E', (byte)'T', (byte)' ',        // ASCII T10
        ];
        var ids = VpdPages.ParseDeviceIdentification(page);
        Assert.Equal("NAA: 6001405000000001", ids[0].ToString());
        Assert.Equal("T10: IET", ids[1].ToString());
        Assert.Throws<FormatException>(() => VpdPages.ParseDeviceIdentification([0x00, 0x83, 0x00, 0x08, 0x01, 0x03, 0x00, 0x20, 0, 0, 0, 0]));
    }
}
