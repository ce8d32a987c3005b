using System;
using System.Linq;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// Which lease: the interface and the client identifier (option 61) it is held for, as
    /// dhcpagent keys its state. The bytes are the key; <see cref="ClientIdText"/> is the one
    /// place their text form is made ("01:02:00:00:00:00:01"), and <see cref="Parse"/> the
    /// one place it is read back, so the id goes from bytes to text only for people.
    /// </summary>
    public readonly struct DhcpLeaseKey : IEquatable<DhcpLeaseKey>
    {
        readonly byte[]? clientId;

        public DhcpLeaseKey(string interfaceName, byte[] clientId)
        {
            if (string.IsNullOrEmpty(interfaceName)) throw new ArgumentException("an interface name is required", nameof(interfaceName));
            if (clientId is null || clientId.Length == 0 || clientId.Length > 255) throw new ArgumentException("a client identifier is 1 to 255 bytes", nameof(clientId));
            InterfaceName = interfaceName;
            this.clientId = (byte[])clientId.Clone();   // a key never changes under its dictionary
        }

        public string InterfaceName { get; }

        /// <summary>A copy of the client identifier's bytes.</summary>
        public byte[] ClientId => clientId is null ? Array.Empty<byte>() : (byte[])clientId.Clone();

        /// <summary>The bytes without a copy, for the agent and the store, which never change them.</summary>
        internal byte[] ClientIdBytes => clientId ?? Array.Empty<byte>();

        /// <summary>Lower-case hex bytes joined by ':', as Get-DhcpLease shows them.</summary>
        public string ClientIdText => Common.ColonHex.Format(ClientIdBytes);

        /// <summary>A key from an interface name and client-id text as <see cref="ClientIdText"/> writes it (':' or '-' between bytes, or none).</summary>
        public static DhcpLeaseKey Parse(string interfaceName, string clientIdText) =>
            new(interfaceName, Wire.DhcpClientIdentity.ParseClientId(clientIdText));

        public bool Equals(DhcpLeaseKey other) =>
            string.Equals(InterfaceName, other.InterfaceName, StringComparison.Ordinal) && ClientIdBytes.AsSpan().SequenceEqual(other.ClientIdBytes);

        public override bool Equals(object? obj) => obj is DhcpLeaseKey other && Equals(other);

        public override int GetHashCode()
        {
            unchecked
            {
                var hash = StringComparer.Ordinal.GetHashCode(InterfaceName ?? "");
                foreach (var b in ClientIdBytes) hash = hash * 31 + b;
                return hash;
            }
        }

        public static bool operator ==(DhcpLeaseKey left, DhcpLeaseKey right) => left.Equals(right);
        public static bool operator !=(DhcpLeaseKey left, DhcpLeaseKey right) => !left.Equals(right);

        public override string ToString() => $"{InterfaceName} {ClientIdText}";
    }
}
