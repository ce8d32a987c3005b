using System;

namespace IscsiDhcp.Nbd
{
    /// <summary>The protocol's "command flags" of a request.</summary>
    [Flags]
    public enum NbdRequestModifiers : ushort
    {
        None = 0,
        Fua = 1 << 0,
        NoHole = 1 << 1,
        DontFragment = 1 << 2,
        RequestOne = 1 << 3,
        FastZero = 1 << 4,
        PayloadLength = 1 << 5,
    }
}
