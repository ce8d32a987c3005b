namespace IscsiDhcp.Nbd
{
    /// <summary>A transmission-phase request header (28 bytes); a WRITE's data follows it on the wire.</summary>
    public readonly struct NbdRequest
    {
        public NbdRequest(uint magic, NbdRequestModifiers flags, NbdCommand command, ulong cookie, ulong offset, uint length)
        {
            Magic = magic;
            Flags = flags;
            Command = command;
            Cookie = cookie;
            Offset = offset;
            Length = length;
        }

        public uint Magic { get; }
        public NbdRequestModifiers Flags { get; }
        public NbdCommand Command { get; }
        /// <summary>The client's handle for this request, echoed in every reply to it.</summary>
        public ulong Cookie { get; }
        public ulong Offset { get; }
        /// <summary>Peer-chosen: for a WRITE, this many bytes follow.</summary>
        public uint Length { get; }
        public bool HasValidMagic => Magic == NbdMagic.Request;

        public static NbdRequest Read(ref NbdReader reader) =>
            new(reader.U32("the request magic"), (NbdRequestModifiers)reader.U16("the command flags"), (NbdCommand)reader.U16("the command"),
                reader.U64("the cookie"), reader.U64("the offset"), reader.U32("the length"));

        public void Write(ref NbdWriter writer)
        {
            writer.U32(Magic);
            writer.U16((ushort)Flags);
            writer.U16((ushort)Command);
            writer.U64(Cookie);
            writer.U64(Offset);
            writer.U32(Length);
        }

        public override string ToString() => $"{Command} cookie {Cookie} offset {Offset} length {Length} flags {Flags}";
    }
}
