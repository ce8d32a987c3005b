namespace IscsiDhcp.Common
{
    /// <summary>
    /// Where a session or lease lives: in the PowerShell process that made it (it ends with
    /// that process) or in the IscsiDhcp agent (it outlives every shell).
    /// </summary>
    public enum HeldBy
    {
        Shell,
        Agent,
    }
}
