using System;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>
    /// Reads a DHCP message front to back: each call takes the next field and moves on, so no
    /// offset is written out. Reading past the end throws <see cref="DhcpFormatException"/>
    /// naming what was being read.
    /// </summary>
    public ref struct DhcpReader
    {
        readonly ReadOnlySpan<byte> data;
        int position;

        public DhcpReader(ReadOnlySpan<byte> data)
        {
            this.data = data;
            position = 0;
        }

        public int Position => position;
        public int Remaining => data.Length - position;
        public bool AtEnd => position >= data.Length;

        /// <summary>The next <paramref name="count"/> bytes, without a copy.</summary>
        public ReadOnlySpan<byte> Bytes(int count, string what = "a field")
        {
            if (count > data.Length - position) ThrowPastEnd(count, what);
            var span = data.Slice(position, count);
            position += count;
            return span;
        }

        public byte U8(string what = "a byte")
        {
            if (position >= data.Length) ThrowPastEnd(1, what);
            return data[position++];
        }

        public ushort U16() => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2));

        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Bytes(4));

        public IPAddress Address() => new(Bytes(4).ToArray());

        /// <summary>A NUL-padded ASCII field of <paramref name="size"/> bytes (sname, file).</summary>
        public string FixedText(int size)
        {
            var field = Bytes(size);
            var end = field.IndexOf((byte)0);
            return Encoding.ASCII.GetString(field.Slice(0, end < 0 ? field.Length : end).ToArray());
        }

        static void ThrowPastEnd(int count, string what) =>
            throw new DhcpFormatException($"{what} of {count} byte(s) runs past the end of the message");
    }
}
