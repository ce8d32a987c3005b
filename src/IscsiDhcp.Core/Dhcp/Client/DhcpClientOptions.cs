using System;
using System.Net;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>The client's timing and selection choices (RFC 2131 section 4.1 and 4.4).</summary>
    public sealed record DhcpClientOptions
    {
        /// <summary>A random delay up to this before the first DISCOVER (RFC 2131 suggests 1 to 10 s; 0 to start at once).</summary>
        public TimeSpan StartDelayMax { get; init; } = TimeSpan.FromSeconds(1);
        /// <summary>How long to collect offers after the first one (policies other than First).</summary>
        public TimeSpan OfferWindow { get; init; } = TimeSpan.FromSeconds(1);
        public OfferPolicy OfferPolicy { get; init; } = OfferPolicy.First;
        public IPAddress? RequestedAddress { get; init; }
        public IPAddress? PreferredServer { get; init; }
        /// <summary>REQUESTs sent while requesting or rebooting before starting over.</summary>
        public int MaxRequestAttempts { get; init; } = 4;
        /// <summary>Waiting after a NAK before starting over, so a confused server is not hammered.</summary>
        public TimeSpan NakBackoff { get; init; } = TimeSpan.FromSeconds(2);
        /// <summary>RFC 2131 section 3.1: after a DECLINE wait at least 10 s before starting over.</summary>
        public TimeSpan DeclineWait { get; init; } = TimeSpan.FromSeconds(10);
        /// <summary>Jitter of each retransmission: +- this (RFC 2131: +-1 s).</summary>
        public TimeSpan RetransmitJitter { get; init; } = TimeSpan.FromSeconds(1);
        /// <summary>
        /// RFC 5227: probe an ACKed address with ARP before using it (decline it when another host
        /// answers), announce it, defend it. Needs the interface's own MAC and a packet socket:
        /// virtual clients and relay mode never probe.
        /// </summary>
        public bool ConflictDetection { get; init; } = true;

        public void Validate()
        {
            if (StartDelayMax < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(StartDelayMax), StartDelayMax, "cannot be negative");
            if (OfferWindow < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(OfferWindow), OfferWindow, "cannot be negative");
            if (MaxRequestAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxRequestAttempts), MaxRequestAttempts, "must be at least 1");
            if (OfferPolicy == OfferPolicy.RequestedAddress && RequestedAddress is null)
                throw new ArgumentException("the RequestedAddress policy needs a RequestedAddress", nameof(RequestedAddress));
            if (OfferPolicy == OfferPolicy.PreferredServer && PreferredServer is null)
                throw new ArgumentException("the PreferredServer policy needs a PreferredServer", nameof(PreferredServer));
        }
    }
}
