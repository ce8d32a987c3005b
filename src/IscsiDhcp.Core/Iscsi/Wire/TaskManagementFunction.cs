namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>Task management function codes (RFC 7143 section 11.5.1).</summary>
    public enum TaskManagementFunction : byte
    {
        AbortTask = 1,
        AbortTaskSet = 2,
        ClearAca = 3,
        ClearTaskSet = 4,
        LogicalUnitReset = 5,
        TargetWarmReset = 6,
        TargetColdReset = 7,
        TaskReassign = 8,
    }
}
