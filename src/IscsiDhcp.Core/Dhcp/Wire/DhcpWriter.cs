using System;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>
    /// Writes a DHCP message front to back into a buffer sized beforehand: each call puts the
    /// next field and moves on, so no offset is written out. Bytes not written stay zero.
    /// </summary>
    public ref struct DhcpWriter
    {
        readonly Span<byte> data;
        int position;

        public DhcpWriter(Span<byte> data)
        {
            this.data = data;
            position = 0;
        }

        public int Position => position;

        /// <summary>The next <paramref name="count"/> bytes, to be filled by the caller.</summary>
        public Span<byte> Take(int count)
        {
            var span = data.Slice(position, count);
            position += count;
            return span;
        }

        public void U8(byte value) => data[position++] = value;

        public void U16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

        public void U32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

        public void Address(IPAddress address)
        {
            var bytes = address.GetAddressBytes();
            if (bytes.Length != 4) throw new ArgumentException($"{address} is not an IPv4 address");
            bytes.CopyTo(Take(4));
        }

        /// <summary><paramref name="value"/> in a field of <paramref name="size"/> bytes: cut to it, or zero-padded.</summary>
        public void Bytes(ReadOnlySpan<byte> value, int size)
        {
            var field = Take(size);
            value.Slice(0, Math.Min(size, value.Length)).CopyTo(field);
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            value.CopyTo(data.Slice(position));
            position += value.Length;
        }

        /// <summary>ASCII text in a NUL-padded field of <paramref name="size"/> bytes; it must leave room for the NUL.</summary>
        public void FixedText(string text, int size)
        {
            var field = Take(size);
            if (text.Length == 0) return;
            var bytes = Encoding.ASCII.GetBytes(text);
            if (bytes.Length >= size) throw new ArgumentException($"'{text}' does not fit a {size}-byte field");
            bytes.CopyTo(field);
        }
    }
}
