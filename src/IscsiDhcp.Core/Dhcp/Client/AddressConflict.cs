using System;
using System.Net;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>
    /// Another host claims our address (RFC 5227): it answered or sent a probe while we probed
    /// (the address is declined), or it announced the address while we held it (defended once,
    /// then given up).
    /// </summary>
    public sealed record AddressConflict(IPAddress Address, string HardwareAddress, DateTimeOffset DetectedAt)
    {
        public override string ToString() => $"{Address} is in use by {HardwareAddress}";
    }
}
