namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>RFC 1982 serial number arithmetic on 32 bits, as CmdSN, StatSN and DataSN use.</summary>
    public static class SerialNumber
    {
        public static bool LessThan(uint a, uint b) => a != b && (int)(a - b) < 0;
        public static bool LessOrEqual(uint a, uint b) => a == b || LessThan(a, b);
        public static bool GreaterThan(uint a, uint b) => LessThan(b, a);
    }
}
