namespace IscsiDhcp.Nbd
{
    /// <summary>The 20 bytes before every option reply (fixed newstyle): magic, the option answered, the reply type, its data length.</summary>
    public readonly struct NbdOptionReply
    {
        public NbdOptionReply(ulong magic, NbdOption option, NbdOptionReplyType type, uint length)
        {
            Magic = magic;
            Option = option;
            Type = type;
            Length = length;
        }

        public ulong Magic { get; }
        public NbdOption Option { get; }
        public NbdOptionReplyType Type { get; }
        /// <summary>How many bytes of data follow (peer-chosen: bound it before reading them).</summary>
        public uint Length { get; }
        public bool HasValidMagic => Magic == NbdMagic.OptionReply;
        /// <summary>Error replies have bit 31 set.</summary>
        public bool IsError => ((uint)Type & 0x80000000u) != 0;

        public static NbdOptionReply Read(ref NbdReader reader) =>
            new(reader.U64("the option reply magic"), (NbdOption)reader.U32("the option"), (NbdOptionReplyType)reader.U32("the reply type"), reader.U32("the reply length"));
    }
}
