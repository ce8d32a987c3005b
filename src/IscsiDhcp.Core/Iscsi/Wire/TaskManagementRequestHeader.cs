using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Task Management Function Request BHS (RFC 7143 section 11.5).</summary>
    public readonly struct TaskManagementRequestHeader
    {
        public bool Immediate { get; init; }
        public TaskManagementFunction Function { get; init; }
        public ulong Lun { get; init; }
        public uint InitiatorTaskTag { get; init; }
        public uint ReferencedTaskTag { get; init; }
        public uint CmdSN { get; init; }
        public uint ExpStatSN { get; init; }
        public uint RefCmdSN { get; init; }
        public uint ExpDataSN { get; init; }

        public void Write(Span<byte> bhs)
        {
            Bhs.Begin(bhs, IscsiOpcode.TaskManagementRequest, Immediate, (byte)(0x80 | (byte)Function), 0);
            Bhs.Put(bhs, 8, Lun);
            Bhs.Put(bhs, 16, InitiatorTaskTag);
            Bhs.Put(bhs, 20, ReferencedTaskTag);
            Bhs.Put(bhs, 24, CmdSN);
            Bhs.Put(bhs, 28, ExpStatSN);
            Bhs.Put(bhs, 32, RefCmdSN);
            Bhs.Put(bhs, 36, ExpDataSN);
        }

        public static TaskManagementRequestHeader Read(ReadOnlySpan<byte> bhs)
        {
            Bhs.Expect(bhs, IscsiOpcode.TaskManagementRequest);
            return new TaskManagementRequestHeader
            {
                Immediate = Bhs.IsImmediate(bhs),
                Function = (TaskManagementFunction)(bhs[1] & 0x7F),
                Lun = Bhs.U64(bhs, 8),
                InitiatorTaskTag = Bhs.U32(bhs, 16),
                ReferencedTaskTag = Bhs.U32(bhs, 20),
                CmdSN = Bhs.U32(bhs, 24),
                ExpStatSN = Bhs.U32(bhs, 28),
                RefCmdSN = Bhs.U32(bhs, 32),
                ExpDataSN = Bhs.U32(bhs, 36),
            };
        }
    }
}
