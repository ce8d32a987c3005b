using System;

namespace IscsiDhcp.Nbd
{
    /// <summary>The bounds an <see cref="NbdServer"/> puts on each connection.</summary>
    public sealed record NbdServerOptions
    {
        /// <summary>The largest READ or WRITE payload (advertised in NBD_INFO_BLOCK_SIZE); 32 MiB as qemu-nbd.</summary>
        public uint MaximumPayload { get; init; } = 1u << 25;
        /// <summary>Requests of one connection running at once; more wait, unread, in the socket.</summary>
        public int MaxRequestsInFlight { get; init; } = 64;
        /// <summary>Payload bytes one connection may hold at once (write data read, read data not yet sent).</summary>
        public int MaxBytesInFlight { get; init; } = 64 << 20;
        /// <summary>Option data accepted; longer option data is skipped (up to <see cref="MaxDiscard"/>) and refused with NBD_REP_ERR_TOO_BIG.</summary>
        public int MaxOptionLength { get; init; } = 16 << 10;
        /// <summary>
        /// How much of a refused payload (a write the server will not do, oversize option data) is read and thrown away to
        /// stay in step with the client; beyond it the connection is dropped. The protocol says up to 32 MiB is never abuse.
        /// </summary>
        public int MaxDiscard { get; init; } = 1 << 25;
        /// <summary>The handshake must reach the transmission phase within this.</summary>
        public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);
        /// <summary>Options before the transmission phase; a client that keeps asking is dropped.</summary>
        public int MaxOptions { get; init; } = 256;

        public void Validate()
        {
            if (MaximumPayload < 65536) throw new ArgumentOutOfRangeException(nameof(MaximumPayload), MaximumPayload, "at least 64 KiB (unfragmented reads of 64 KiB must work)");
            if (MaximumPayload > int.MaxValue - 64) throw new ArgumentOutOfRangeException(nameof(MaximumPayload), MaximumPayload, "too large for one buffer");
            if (MaxBytesInFlight < MaximumPayload) throw new ArgumentOutOfRangeException(nameof(MaxBytesInFlight), MaxBytesInFlight, "must hold one request of the maximum payload");
            if (MaxRequestsInFlight < 1) throw new ArgumentOutOfRangeException(nameof(MaxRequestsInFlight), MaxRequestsInFlight, "at least 1");
            if (MaxOptionLength < 4096 + 8) throw new ArgumentOutOfRangeException(nameof(MaxOptionLength), MaxOptionLength, "must hold a 4096-byte export name");
            if (MaxDiscard < 0) throw new ArgumentOutOfRangeException(nameof(MaxDiscard), MaxDiscard, "cannot be negative");
            if (HandshakeTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), HandshakeTimeout, "must be positive");
        }
    }
}
