using System.Buffers.Binary;
using System.Text;
using IscsiDhcp.Nbd;

namespace IscsiDhcp.Tests.Nbd;

/// <summary>The NBD wire format: bytes as doc/proto.md lays them out, and the reader's single error at the end.</summary>
public sealed class NbdCodecTests
{
    [Fact]
    public void The_greeting_is_NBDMAGIC_IHAVEOPT_and_the_handshake_flags()
    {
        var bytes = NbdMessages.Greeting(NbdServerHandshake.FixedNewstyle | NbdServerHandshake.NoZeroes);
        Assert.Equal("NBDMAGICIHAVEOPT", Encoding.ASCII.GetString(bytes, 0, 16));
        Assert.Equal(new byte[] { 0, 3 }, bytes[16..]);
    }

    [Fact]
    public void An_option_reply_carries_its_magic_option_type_and_length()
    {
        var bytes = NbdMessages.InfoExport(NbdOption.Go, 0x0102030405060708, NbdExportFeatures.HasFlags | NbdExportFeatures.SendFlush);
        Assert.Equal(20 + 12, bytes.Length);
        Assert.Equal(0x3e889045565a9UL, BinaryPrimitives.ReadUInt64BigEndian(bytes));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(12)));     // NBD_REP_INFO
        Assert.Equal(12u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(20)));       // NBD_INFO_EXPORT
        Assert.Equal(0x0102030405060708UL, BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(22)));
        Assert.Equal(0b101, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(30)));
    }

    [Fact]
    public void A_server_entry_has_the_name_length_the_name_then_the_description()
    {
        var bytes = NbdMessages.ServerEntry("iqn.x:t/1", "disk");
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(12)));
        Assert.Equal((uint)(4 + 9 + 4), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(9u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20)));
        Assert.Equal("iqn.x:t/1disk", Encoding.UTF8.GetString(bytes, 24, 13));
    }

    [Theory]
    [InlineData(false, 134)]
    [InlineData(true, 10)]
    public void The_export_name_reply_has_124_zeroes_unless_the_client_chose_none(bool noZeroes, int length) =>
        Assert.Equal(length, NbdMessages.ExportNameReply(1, NbdExportFeatures.HasFlags, noZeroes).Length);

    [Fact]
    public void A_request_reads_back_as_written()
    {
        var bytes = new byte[28];
        var w = new NbdWriter(bytes);
        new NbdRequest(NbdMagic.Request, NbdRequestModifiers.Fua, NbdCommand.Write, 0xAABBCCDD11223344, 4096, 512).Write(ref w);
        Assert.Equal(new byte[] { 0x25, 0x60, 0x95, 0x13, 0, 1, 0, 1 }, bytes[..8]);
        var r = new NbdReader(bytes);
        var request = NbdRequest.Read(ref r);
        Assert.Null(r.Error);
        Assert.True(request.HasValidMagic);
        Assert.Equal((NbdCommand.Write, NbdRequestModifiers.Fua, 0xAABBCCDD11223344UL, 4096UL, 512u),
            (request.Command, request.Flags, request.Cookie, request.Offset, request.Length));
    }

    [Fact]
    public void A_short_message_yields_zeros_and_one_error_naming_the_first_field_that_did_not_fit()
    {
        var r = new NbdReader(new byte[10]);
        var request = NbdRequest.Read(ref r);
        Assert.True(r.Failed);
        Assert.Contains("the cookie", r.Error);
        Assert.Equal(0UL, request.Offset);
    }

    [Fact]
    public void Structured_headers_offset_data_and_error_chunks()
    {
        var buffer = new byte[64];
        Assert.Equal(28, NbdMessages.WriteOffsetDataHeader(buffer, true, 9, 1024, 512));
        Assert.Equal(0x668e33efu, BinaryPrimitives.ReadUInt32BigEndian(buffer));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(4)));      // DONE
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(6)));      // OFFSET_DATA
        Assert.Equal(520u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(16)));  // data + its offset
        Assert.Equal(1024UL, BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(20)));

        var n = NbdMessages.WriteErrorChunk(buffer, 9, NbdError.Invalid, "bad");
        Assert.Equal(NbdMessages.ErrorChunkLength("bad"), n);
        Assert.Equal(0x8001, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(6)));
        Assert.Equal(9u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(16)));
        Assert.Equal(22u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(20)));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(24)));
    }

    [Fact]
    public void An_export_query_round_trips_and_bad_lengths_are_refused()
    {
        var query = NbdExportQuery.Parse(new NbdExportQuery("a/1", [NbdInfoType.BlockSize, NbdInfoType.Name]).ToBytes(), out var error);
        Assert.Null(error);
        Assert.Equal("a/1", query!.Name);
        Assert.True(query.Requested(NbdInfoType.Name));
        Assert.False(query.Requested(NbdInfoType.Description));

        Assert.Null(NbdExportQuery.Parse([0, 0, 0, 9, 1, 0], out error));                 // name longer than the data less 6
        Assert.NotNull(error);
        Assert.Null(NbdExportQuery.Parse([0, 0, 0, 0, 0, 2, 0, 3], out error));           // 2 requests, 1 present
        Assert.Null(NbdExportQuery.Parse([0, 0, 0], out error));
        Assert.Null(NbdExportQuery.Parse([0, 0, 0, 1, 0, 0, 0], out error));              // NUL in the name
        Assert.Contains("NUL", error);
        var huge = new byte[4 + 5000 + 2];
        BinaryPrimitives.WriteUInt32BigEndian(huge, 5000);
        Assert.Null(NbdExportQuery.Parse(huge, out error));                               // longer than the 4096-byte string limit
    }

    static readonly NbdExportLimits Writable = new(1 << 20, 512, 1 << 16, NbdExportFeatures.HasFlags | NbdExportFeatures.SendFlush | NbdExportFeatures.SendFua | NbdExportFeatures.SendWriteZeroes, false);
    static readonly NbdExportLimits ReadOnly = new(1 << 20, 512, 1 << 16, NbdExportFeatures.HasFlags | NbdExportFeatures.ReadOnly, true);

    static NbdError Check(NbdCommand command, ulong offset, uint length, NbdRequestModifiers flags = 0, NbdExportLimits? limits = null) =>
        NbdRequestCheck.Check(new NbdRequest(NbdMagic.Request, flags, command, 1, offset, length), limits ?? Writable);

    [Fact]
    public void Requests_are_checked_as_the_protocol_names_each_error()
    {
        Assert.Equal(NbdError.None, Check(NbdCommand.Read, 0, 4096));
        Assert.Equal(NbdError.None, Check(NbdCommand.Write, (1 << 20) - 512, 512, NbdRequestModifiers.Fua));
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Read, (1 << 20) - 512, 1024));             // read past the end
        Assert.Equal(NbdError.NoSpace, Check(NbdCommand.Write, 1 << 20, 512));                     // write past the end
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Read, ulong.MaxValue - 10, 512));          // offset + length wraps
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Read, 1, 512));                            // unaligned
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Read, 0, 1 << 17));                        // above the maximum payload, simple replies
        Assert.Equal(NbdError.Overflow, Check(NbdCommand.Read, 0, 1 << 17, limits: new NbdExportLimits(1 << 20, 512, 1 << 16, NbdExportFeatures.HasFlags, true)));
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Write, 0, 1 << 17));
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Trim, 0, 512));                            // trim not advertised
        Assert.Equal(NbdError.None, Check(NbdCommand.WriteZeroes, 0, 1 << 20, NbdRequestModifiers.NoHole));   // no payload: may exceed it
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.WriteZeroes, 0, 512, NbdRequestModifiers.FastZero));
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Flush, 0, 512));                           // flush has no range
        Assert.Equal(NbdError.Invalid, Check((NbdCommand)99, 0, 0));                               // unknown command
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Cache, 0, 512));                           // not offered
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Read, 0, 512, NbdRequestModifiers.DontFragment));   // DF not advertised
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Read, 0, 512, (NbdRequestModifiers)0x400));  // unknown flag
        Assert.Equal(NbdError.Invalid, Check(NbdCommand.Read, 0, 512, NbdRequestModifiers.Fua, ReadOnly));   // FUA not advertised
        Assert.Equal(NbdError.NotPermitted, Check(NbdCommand.Write, 0, 512, limits: ReadOnly));
        Assert.Equal(NbdError.None, Check(NbdCommand.Read, 0, 512, limits: ReadOnly));
    }
}
