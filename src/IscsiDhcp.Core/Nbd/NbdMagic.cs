namespace IscsiDhcp.Nbd
{
    /// <summary>The magic numbers and fixed sizes of the NBD protocol (NetworkBlockDevice/nbd doc/proto.md).</summary>
    public static class NbdMagic
    {
        /// <summary>'NBDMAGIC': the first 8 bytes the server sends.</summary>
        public const ulong InitPassword = 0x4e42444d41474943;
        /// <summary>'IHAVEOPT': newstyle negotiation, and the start of every option the client sends.</summary>
        public const ulong IHaveOption = 0x49484156454F5054;
        /// <summary>The start of every option reply (fixed newstyle).</summary>
        public const ulong OptionReply = 0x3e889045565a9;
        public const uint Request = 0x25609513;
        public const uint SimpleReply = 0x67446698;
        public const uint StructuredReply = 0x668e33ef;

        /// <summary>NBDMAGIC, IHAVEOPT, 16-bit handshake flags.</summary>
        public const int GreetingLength = 18;
        public const int ClientFlagsLength = 4;
        /// <summary>IHAVEOPT, option, data length.</summary>
        public const int OptionHeaderLength = 16;
        /// <summary>Magic, option, reply type, data length.</summary>
        public const int OptionReplyHeaderLength = 20;
        public const int RequestLength = 28;
        public const int SimpleReplyLength = 16;
        public const int StructuredReplyHeaderLength = 20;
        /// <summary>The reply to NBD_OPT_EXPORT_NAME: size, transmission flags, then 124 zeroes unless NO_ZEROES.</summary>
        public const int ExportNameReplyLength = 8 + 2 + 124;
        /// <summary>Strings (names, descriptions, messages) are at most 4096 bytes (doc/proto.md, "Conventions").</summary>
        public const int MaxStringLength = 4096;
    }
}
