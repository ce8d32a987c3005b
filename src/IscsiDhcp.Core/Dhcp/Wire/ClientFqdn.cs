namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>Option 81 (RFC 4702): flags and a domain name (canonical wire format when E is set).</summary>
    public sealed class ClientFqdn
    {
        public ClientFqdn(byte flags, string name)
        {
            Flags = flags;
            Name = name;
        }

        /// <summary>S (0x01) server updates A, O (0x02) server overrode, E (0x04) canonical encoding, N (0x08) no updates.</summary>
        public byte Flags { get; }
        public string Name { get; }

        public override string ToString() => $"{Name} (flags 0x{Flags:X2})";
    }
}
