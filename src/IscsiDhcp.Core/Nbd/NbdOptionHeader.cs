namespace IscsiDhcp.Nbd
{
    /// <summary>The 16 bytes before every option the client sends: IHAVEOPT, the option, its data length.</summary>
    public readonly struct NbdOptionHeader
    {
        public NbdOptionHeader(ulong magic, NbdOption option, uint length)
        {
            Magic = magic;
            Option = option;
            Length = length;
        }

        public ulong Magic { get; }
        public NbdOption Option { get; }
        /// <summary>How many bytes of data follow (peer-chosen: bound it before reading them).</summary>
        public uint Length { get; }
        public bool HasValidMagic => Magic == NbdMagic.IHaveOption;

        public static NbdOptionHeader Read(ref NbdReader reader) =>
            new(reader.U64("the option magic"), (NbdOption)reader.U32("the option"), reader.U32("the option length"));

        public void Write(ref NbdWriter writer)
        {
            writer.U64(Magic);
            writer.U32((uint)Option);
            writer.U32(Length);
        }
    }
}
