using System;

namespace IscsiDhcp.Nbd
{
    /// <summary>The protocol's "handshake flags": 16 bits the server sends after IHAVEOPT.</summary>
    [Flags]
    public enum NbdServerHandshake : ushort
    {
        None = 0,
        FixedNewstyle = 1 << 0,
        NoZeroes = 1 << 1,
    }
}
