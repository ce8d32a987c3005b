using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Task Management Function Response BHS (RFC 7143 section 11.6). Response 0: function complete; 1: task does not exist.</summary>
    public readonly struct TaskManagementResponseHeader
    {
        public byte Response { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint StatSN { get; init; }
        public uint ExpCmdSN { get; init; }
        public uint MaxCmdSN { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.TaskManagementResponse, immediate: false, 0x80, 0);
            bhs[2] = Response;
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 24, StatSN);
            Bhs.Put(bhs, 28, ExpCmdSN);
            Bhs.Put(bhs, 32, MaxCmdSN);
        }

        public static TaskManagementResponseHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.TaskManagementResponse);
            return new TaskManagementResponseHeader
            {
                Response = bhs[2],
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                StatSN = Bhs.U32(bhs, 24),
                ExpCmdSN = Bhs.U32(bhs, 28),
                MaxCmdSN = Bhs.U32(bhs, 32),
            };
        }
    }
}
