using System;
using System.Buffers.Binary;
using System.Text;

namespace IscsiDhcp.Nbd
{
    /// <summary>Writes an NBD message front to back into a buffer sized beforehand; each call puts the next field.</summary>
    public ref struct NbdWriter
    {
        readonly Span<byte> data;
        int position;

        public NbdWriter(Span<byte> data)
        {
            this.data = data;
            position = 0;
        }

        /// <summary>How many bytes have been written.</summary>
        public int Position => position;
        public ReadOnlySpan<byte> Written => data.Slice(0, position);

        public Span<byte> Take(int count)
        {
            var span = data.Slice(position, count);
            position += count;
            return span;
        }

        public void U16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

        public void U32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

        public void U64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Take(8), value);

        public void Bytes(ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));

        public void Zeroes(int count) => Take(count).Clear();

        /// <summary>UTF-8 text, no length prefix (the caller's header carries it); returns its byte count.</summary>
        public int Text(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            Bytes(bytes);
            return bytes.Length;
        }
    }
}
