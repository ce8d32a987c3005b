using System;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>What Copy-IscsiLun -PassThru returns: how much moved, how fast, and the SHA-256 of the bytes.</summary>
    public sealed class IscsiCopyResult
    {
        public IscsiCopyDirection Direction { get; internal set; }
        public string Source { get; internal set; } = "";
        public string Destination { get; internal set; } = "";
        /// <summary>Where in the LUN the copied range starts, in bytes.</summary>
        public long Offset { get; internal set; }
        public long Bytes { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        public double MegabytesPerSecond { get; internal set; }
        /// <summary>SHA-256 of the bytes copied, in hex.</summary>
        public string Sha256 { get; internal set; } = "";
        /// <summary>The destination was read back and hashed the same (-Verify).</summary>
        public bool Verified { get; internal set; }
    }
}
