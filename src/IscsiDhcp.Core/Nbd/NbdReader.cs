using System;
using System.Buffers.Binary;
using System.Text;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// Reads an NBD message front to back through a cursor: each call takes the next field.
    /// Reading past the end does not throw; it records the first such failure, returns zeros
    /// from then on, and the caller checks <see cref="Error"/> once at the end (as a peer's
    /// bad length is an everyday event, not an exceptional one).
    /// </summary>
    public ref struct NbdReader
    {
        readonly ReadOnlySpan<byte> data;
        int position;
        string? error;

        public NbdReader(ReadOnlySpan<byte> data)
        {
            this.data = data;
            position = 0;
            error = null;
        }

        public int Remaining => data.Length - position;
        /// <summary>Why reading failed (the first failure), or null while everything fitted.</summary>
        public string? Error => error;
        public bool Failed => error is not null;

        /// <summary>The next <paramref name="count"/> bytes without a copy; empty after a failure.</summary>
        public ReadOnlySpan<byte> Bytes(int count, string what = "a field")
        {
            if (error is not null) return default;
            if (count < 0 || count > data.Length - position)
            {
                error = $"{what} of {count} byte(s) runs past the end ({Remaining} left)";
                position = data.Length;
                return default;
            }
            var span = data.Slice(position, count);
            position += count;
            return span;
        }

        public ushort U16(string what = "a 16-bit field")
        {
            var b = Bytes(2, what);
            return b.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(b) : (ushort)0;
        }

        public uint U32(string what = "a 32-bit field")
        {
            var b = Bytes(4, what);
            return b.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(b) : 0;
        }

        public ulong U64(string what = "a 64-bit field")
        {
            var b = Bytes(8, what);
            return b.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(b) : 0;
        }

        /// <summary>A UTF-8 string of <paramref name="length"/> bytes; longer than the protocol's 4096-byte limit or containing NUL is a failure.</summary>
        public string Text(uint length, string what = "a string")
        {
            if (error is not null) return "";
            if (length > NbdMagic.MaxStringLength)
            {
                Fail($"{what} of {length} bytes is longer than the protocol's {NbdMagic.MaxStringLength}");
                return "";
            }
            var bytes = Bytes((int)length, what);
            if (error is not null) return "";
            if (bytes.IndexOf((byte)0) >= 0)
            {
                Fail($"{what} contains NUL");
                return "";
            }
            try
            {
                return Strict.GetString(bytes.ToArray());
            }
            catch (DecoderFallbackException)
            {
                Fail($"{what} is not UTF-8");
                return "";
            }
        }

        /// <summary>Records a failure found by the caller (a bad value rather than a short message); the first one stays.</summary>
        public void Fail(string why)
        {
            error ??= why;
            position = data.Length;
        }

        static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    }
}
