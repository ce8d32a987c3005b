using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>
    /// A lease as the client holds it: the address and the server, absolute T1, T2 and
    /// expiry, and both the ACK that first granted it and the latest one (dhcpagent keeps
    /// both: an option missing from a renewal's ACK is looked up in the original).
    /// </summary>
    public sealed class DhcpLease
    {
        /// <summary>Lease time 0xFFFFFFFF: never expires.</summary>
        public const uint Infinite = uint.MaxValue;

        DhcpLease(DhcpMessage ack, DhcpMessage originalAck, DateTimeOffset obtained, DateTimeOffset? renewAt, DateTimeOffset? rebindAt, DateTimeOffset? expiresAt)
        {
            Ack = ack;
            OriginalAck = originalAck;
            Obtained = obtained;
            RenewAt = renewAt;
            RebindAt = rebindAt;
            ExpiresAt = expiresAt;
        }

        public DhcpMessage Ack { get; }
        /// <summary>Granted by a BOOTP server: permanent, and it cannot be extended, released or informed.</summary>
        public bool IsBootp => Ack.IsBootp;
        public DhcpMessage OriginalAck { get; }
        public IPAddress Address => Ack.YourAddress.Equals(IPAddress.Any) ? Ack.ClientAddress : Ack.YourAddress;
        public IPAddress? Server => OptionAddress(DhcpOptionCode.ServerIdentifier);
        public IPAddress? SubnetMask => OptionAddress(DhcpOptionCode.SubnetMask);
        public int PrefixLength => SubnetMask is { } mask ? mask.GetAddressBytes().Sum(b => CountBits(b)) : 32;
        public IReadOnlyList<IPAddress> Routers => Option(DhcpOptionCode.Router) is IPAddress[] r ? r : Array.Empty<IPAddress>();
        public IReadOnlyList<IPAddress> DnsServers => Option(DhcpOptionCode.DomainNameServer) is IPAddress[] d ? d : Array.Empty<IPAddress>();
        public string? DomainName => Option(DhcpOptionCode.DomainName) as string;

        /// <summary>Routes: option 121 when present (RFC 3442: the Router option is then ignored), else default via the routers.</summary>
        public IReadOnlyList<ClasslessRoute> Routes =>
            Option(DhcpOptionCode.ClasslessStaticRoute) is ClasslessRoute[] classless ? classless
            : Routers.Take(1).Select(r => new ClasslessRoute(IPAddress.Any, 0, r)).ToArray();

        public DateTimeOffset Obtained { get; }
        /// <summary>T1; null for an infinite lease.</summary>
        public DateTimeOffset? RenewAt { get; }
        public DateTimeOffset? RebindAt { get; }
        public DateTimeOffset? ExpiresAt { get; }
        public TimeSpan? LeaseTime => ExpiresAt - Obtained;

        /// <summary>An option of the current ACK, or of the original one when the current lacks it.</summary>
        public byte[]? Get(byte code) => Ack.Get(code) ?? OriginalAck.Get(code);

        object? Option(DhcpOptionCode code)
        {
            var value = Get((byte)code);
            if (value is null) return null;
            try { return DhcpOptionRegistry.Decode((byte)code, value); }
            catch (DhcpFormatException) { return null; }
        }

        IPAddress? OptionAddress(DhcpOptionCode code) => Option(code) as IPAddress;

        static int CountBits(byte b)
        {
            var n = 0;
            for (; b != 0; b >>= 1) n += b & 1;
            return n;
        }

        /// <summary>
        /// A lease from an ACK received at <paramref name="now"/>. T1 and T2 default to 0.5
        /// and 0.875 of the lease; absent, zero, out-of-order or too-long values are replaced
        /// by those defaults; a zero lease time counts as one second.
        /// </summary>
        public static DhcpLease FromAck(DhcpMessage ack, DateTimeOffset now, DhcpLease? previous = null)
        {
            var original = previous?.OriginalAck ?? ack;
            uint? Seconds(DhcpOptionCode code)
            {
                var v = ack.Get(code);
                return v is { Length: 4 } ? (uint)(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]) : null;
            }
            // BOOTP leases are permanent (RFC 1542); a DHCP ACK without option 51 keeps the previous length.
            var lease = ack.IsBootp ? Infinite : Seconds(DhcpOptionCode.LeaseTime) ?? (previous?.LeaseTime is { } t ? (uint)t.TotalSeconds : 3600u);
            if (lease == Infinite) return new DhcpLease(ack, original, now, null, null, null);
            lease = Math.Max(lease, 1);
            double t1 = Seconds(DhcpOptionCode.RenewalTime) ?? 0;
            double t2 = Seconds(DhcpOptionCode.RebindingTime) ?? 0;
            if (t1 <= 0 || t1 >= lease) t1 = lease * 0.5;
            if (t2 <= t1 || t2 >= lease) t2 = Math.Max(lease * 0.875, t1);
            return new DhcpLease(ack, original, now, now.AddSeconds(t1), now.AddSeconds(t2), now.AddSeconds(lease));
        }

        /// <summary>The answer to a DHCPINFORM: options for an address we already have, no lease and no timers.</summary>
        public static DhcpLease FromInformation(DhcpMessage ack, DateTimeOffset now) => new(ack, ack, now, null, null, null);

        /// <summary>A lease as another process had it: its ACKs and its times, exactly (nothing recomputed).</summary>
        internal static DhcpLease Restore(DhcpMessage ack, DhcpMessage originalAck, DateTimeOffset obtained, DateTimeOffset? renewAt, DateTimeOffset? rebindAt,
            DateTimeOffset? expiresAt) => new(ack, originalAck, obtained, renewAt, rebindAt, expiresAt);

        public override string ToString() => $"{Address}/{PrefixLength} from {Server} until {ExpiresAt?.ToString("u") ?? "forever"}";
    }
}
