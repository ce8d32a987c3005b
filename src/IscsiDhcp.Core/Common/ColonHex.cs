using System;

namespace IscsiDhcp.Common
{
    /// <summary>Bytes as lower-case hex joined by ':', as `ip link` shows a MAC and Get-DhcpLease a client id.</summary>
    public static class ColonHex
    {
        public static string Format(ReadOnlySpan<byte> bytes) => BitConverter.ToString(bytes.ToArray()).Replace('-', ':').ToLowerInvariant();
    }
}
