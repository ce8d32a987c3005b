using System;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>A DHCP packet or option that does not parse: the receive loop counts it and drops it.</summary>
    public sealed class DhcpFormatException : Exception
    {
        public DhcpFormatException(string message) : base(message) { }
    }
}
