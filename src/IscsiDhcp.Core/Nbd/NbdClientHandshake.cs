using System;

namespace IscsiDhcp.Nbd
{
    /// <summary>The protocol's "client flags": 32 bits, its answer to the greeting; any other bit makes the server drop the connection.</summary>
    [Flags]
    public enum NbdClientHandshake : uint
    {
        None = 0,
        FixedNewstyle = 1 << 0,
        NoZeroes = 1 << 1,
    }
}
