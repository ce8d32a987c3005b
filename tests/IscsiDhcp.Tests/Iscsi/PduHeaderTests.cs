using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>Each header writes the bytes RFC 7143 places and reads back what it wrote.</summary>
public sealed class PduHeaderTests
{
    readonly byte[] bhs = new byte[Bhs.Length];

    [Fact]
    public void Login_request_places_every_field()
    {
        new LoginRequestHeader
        {
            Transit = true, CurrentStage = LoginStage.OperationalNegotiation, NextStage = LoginStage.FullFeaturePhase,
            Isid = 0x80_12_34_56_78_9A, Tsih = 0xBEEF, InitiatorTaskTag = 0x01020304, ConnectionId = 7,
            CmdSN = 0x11, ExpStatSN = 0x22, DataSegmentLength = 0x010203,
        }.Write(bhs);

        Assert.Equal(0x43, bhs[0]);                  // immediate + opcode 3
        Assert.Equal(0x80 | (1 << 2) | 3, bhs[1]);   // T, CSG=1, NSG=3
        Assert.Equal(new byte[] { 0x01, 0x02, 0x03 }, bhs[5..8]);
        Assert.Equal(new byte[] { 0x80, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBE, 0xEF }, bhs[8..16]);
        Assert.Equal(0x01020304u, Bhs.InitiatorTaskTag(bhs));
        var back = LoginRequestHeader.Read(bhs);
        Assert.Equal(0x80_12_34_56_78_9AUL, back.Isid);
        Assert.Equal(LoginStage.FullFeaturePhase, back.NextStage);
        Assert.Equal(7, back.ConnectionId);
        Assert.Equal(0x22u, back.ExpStatSN);
    }

    [Fact]
    public void Login_response_status_and_sequence_numbers_round_trip()
    {
        new LoginResponseHeader
        {
            Transit = true, CurrentStage = LoginStage.SecurityNegotiation, NextStage = LoginStage.OperationalNegotiation,
            Isid = 0x3F_00_00_00_00_01, Tsih = 9, InitiatorTaskTag = 5, StatSN = 100, ExpCmdSN = 200, MaxCmdSN = 231,
            StatusClass = 2, StatusDetail = 1,
        }.Write(bhs);
        Assert.Equal(0x23, bhs[0]);
        Assert.Equal(2, bhs[36]);
        Assert.Equal(1, bhs[37]);
        var back = LoginResponseHeader.Read(bhs);
        Assert.Equal((100u, 200u, 231u, (ushort)9), (back.StatSN, back.ExpCmdSN, back.MaxCmdSN, back.Tsih));
        Assert.Equal(LoginStage.OperationalNegotiation, back.NextStage);
    }

    [Fact]
    public void Scsi_command_carries_flags_length_and_CDB()
    {
        var cdb = new byte[] { 0x28, 0, 0, 0, 0x10, 0, 0, 0, 8, 0 };
        new ScsiCommandHeader
        {
            Final = true, Read = true, Attributes = 1, Lun = 0x0001_0000_0000_0000, InitiatorTaskTag = 42,
            ExpectedDataTransferLength = 4096, CmdSN = 7, ExpStatSN = 3,
        }.WriteTo(bhs, cdb);
        Assert.Equal(0x01, bhs[0]);
        Assert.Equal(0x80 | 0x40 | 1, bhs[1]);
        Assert.Equal(cdb, bhs[32..42]);
        Assert.All(bhs[42..48], b => Assert.Equal(0, b));
        var back = ScsiCommandHeader.ReadFrom(bhs);
        Assert.True(back.Read && !back.Write);
        Assert.Equal(4096u, back.ExpectedDataTransferLength);
        Assert.Throws<ArgumentException>(() => new ScsiCommandHeader().WriteTo(bhs, new byte[17]));
    }

    [Fact]
    public void Data_in_with_status_and_residual_round_trips()
    {
        new DataInHeader
        {
            Final = true, HasStatus = true, Underflow = true, Status = 2, InitiatorTaskTag = 9, DataSN = 3,
            BufferOffset = 8192, ResidualCount = 512, DataSegmentLength = 4096, StatSN = 1, ExpCmdSN = 2, MaxCmdSN = 3,
        }.Write(bhs);
        Assert.Equal(0x80 | 0x02 | 0x01, bhs[1]);
        var back = DataInHeader.Read(bhs);
        Assert.True(back.HasStatus && back.Underflow && !back.Overflow);
        Assert.Equal((8192u, 512u, 4096), (back.BufferOffset, back.ResidualCount, back.DataSegmentLength));
    }

    [Fact]
    public void Every_other_header_round_trips_its_fields()
    {
        new DataOutHeader { Final = true, Lun = 1, InitiatorTaskTag = 2, TargetTransferTag = 3, ExpStatSN = 4, DataSN = 5, BufferOffset = 6, DataSegmentLength = 7 }.Write(bhs);
        var dout = DataOutHeader.Read(bhs);
        Assert.Equal((2u, 3u, 5u, 6u, 7), (dout.InitiatorTaskTag, dout.TargetTransferTag, dout.DataSN, dout.BufferOffset, dout.DataSegmentLength));

        new ReadyToTransferHeader { InitiatorTaskTag = 1, TargetTransferTag = 2, R2TSN = 3, BufferOffset = 4, DesiredDataTransferLength = 5 }.Write(bhs);
        var r2t = ReadyToTransferHeader.Read(bhs);
        Assert.Equal((2u, 3u, 4u, 5u), (r2t.TargetTransferTag, r2t.R2TSN, r2t.BufferOffset, r2t.DesiredDataTransferLength));

        new ScsiResponseHeader { Overflow = true, Status = 2, Response = 0, InitiatorTaskTag = 8, ResidualCount = 99, DataSegmentLength = 20 }.Write(bhs);
        var rsp = ScsiResponseHeader.Read(bhs);
        Assert.True(rsp.Overflow && !rsp.Underflow);
        Assert.Equal((2, 99u, 20), ((int)rsp.Status, rsp.ResidualCount, rsp.DataSegmentLength));

        new NopOutHeader { Immediate = true, InitiatorTaskTag = Bhs.ReservedTag, TargetTransferTag = 77, CmdSN = 5 }.Write(bhs);
        Assert.Equal(0x40, bhs[0]);
        Assert.Equal(77u, NopOutHeader.Read(bhs).TargetTransferTag);

        new NopInHeader { InitiatorTaskTag = Bhs.ReservedTag, TargetTransferTag = 12, StatSN = 1 }.Write(bhs);
        Assert.Equal(12u, NopInHeader.Read(bhs).TargetTransferTag);

        new LogoutRequestHeader { Immediate = true, Reason = LogoutReason.CloseConnection, ConnectionId = 3, CmdSN = 9 }.Write(bhs);
        Assert.Equal(0x80 | 1, bhs[1]);
        Assert.Equal(LogoutReason.CloseConnection, LogoutRequestHeader.Read(bhs).Reason);

        new LogoutResponseHeader { Response = 0, Time2Wait = 2, Time2Retain = 20 }.Write(bhs);
        Assert.Equal((2, 20), ((int)LogoutResponseHeader.Read(bhs).Time2Wait, (int)LogoutResponseHeader.Read(bhs).Time2Retain));

        new TaskManagementRequestHeader { Function = TaskManagementFunction.AbortTask, ReferencedTaskTag = 44, RefCmdSN = 4 }.Write(bhs);
        Assert.Equal(TaskManagementFunction.AbortTask, TaskManagementRequestHeader.Read(bhs).Function);
        Assert.Equal(44u, TaskManagementRequestHeader.Read(bhs).ReferencedTaskTag);

        new TaskManagementResponseHeader { Response = 1, InitiatorTaskTag = 3 }.Write(bhs);
        Assert.Equal(1, TaskManagementResponseHeader.Read(bhs).Response);

        new AsyncMessageHeader { AsyncEvent = 1, Parameter2 = 2, Parameter3 = 20 }.Write(bhs);
        Assert.Equal(Bhs.ReservedTag, Bhs.InitiatorTaskTag(bhs));
        Assert.Equal((1, 2, 20), ((int)AsyncMessageHeader.Read(bhs).AsyncEvent, (int)AsyncMessageHeader.Read(bhs).Parameter2, (int)AsyncMessageHeader.Read(bhs).Parameter3));

        new RejectHeader { Reason = 9, DataSegmentLength = 48 }.Write(bhs);
        Assert.Equal(9, RejectHeader.Read(bhs).Reason);

        new TextRequestHeader { Final = true, Continue = false, InitiatorTaskTag = 1, TargetTransferTag = Bhs.ReservedTag }.Write(bhs);
        Assert.Equal(Bhs.ReservedTag, TextRequestHeader.Read(bhs).TargetTransferTag);
        new TextResponseHeader { Continue = true, TargetTransferTag = 5 }.Write(bhs);
        Assert.True(TextResponseHeader.Read(bhs).Continue);
    }

    [Fact]
    public void Reading_the_wrong_opcode_or_a_short_header_is_a_protocol_error()
    {
        new NopInHeader().Write(bhs);
        Assert.Throws<IscsiProtocolException>(() => LoginResponseHeader.Read(bhs));
        Assert.Throws<IscsiProtocolException>(() => NopInHeader.Read(bhs.AsSpan(0, 47)));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    [InlineData(4, 0)]
    [InlineData(8191, 1)]
    public void Data_segments_are_padded_to_four_bytes(int length, int padding)
    {
        Assert.Equal(padding, Bhs.Padding(length));
    }
}
