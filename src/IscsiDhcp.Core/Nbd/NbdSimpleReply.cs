namespace IscsiDhcp.Nbd
{
    /// <summary>A simple reply's header (16 bytes); a successful READ's data follows it on the wire.</summary>
    public readonly struct NbdSimpleReply
    {
        public NbdSimpleReply(uint magic, NbdError error, ulong cookie)
        {
            Magic = magic;
            Error = error;
            Cookie = cookie;
        }

        public uint Magic { get; }
        public NbdError Error { get; }
        /// <summary>The cookie of the request this answers.</summary>
        public ulong Cookie { get; }
        public bool HasValidMagic => Magic == NbdMagic.SimpleReply;

        public static NbdSimpleReply Read(ref NbdReader reader) =>
            new(reader.U32("the reply magic"), (NbdError)reader.U32("the error"), reader.U64("the cookie"));
    }
}
