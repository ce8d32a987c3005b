namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// A reply queued for the client: <see cref="Count"/> bytes of <see cref="Bytes"/> from
    /// <see cref="Offset"/>, and what its request holds until it is written (the rented buffer a
    /// read's data is in, and the bytes of the connection's budget it took).
    /// </summary>
    readonly struct NbdReply
    {
        public NbdReply(byte[] bytes, int offset, int count, byte[]? rented, int taken)
        {
            Bytes = bytes;
            Offset = offset;
            Count = count;
            Rented = rented;
            Taken = taken;
        }

        public byte[] Bytes { get; }
        public int Offset { get; }
        public int Count { get; }
        public byte[]? Rented { get; }
        public int Taken { get; }
    }
}
