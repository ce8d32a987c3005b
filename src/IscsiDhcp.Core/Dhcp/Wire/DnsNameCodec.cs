using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>
    /// RFC 1035 domain names in wire form, as options 119 (with compression, RFC 3397) and
    /// 81 use them. Every label and pointer is bounds-checked; a pointer may only point
    /// backwards, so a loop is impossible, and the total name length is capped.
    /// </summary>
    public static class DnsNameCodec
    {
        const int MaxNameLength = 255;

        /// <summary>Decodes the names of a whole option value (option 119: a list; option 81: one).</summary>
        public static List<string> DecodeList(ReadOnlySpan<byte> data)
        {
            var names = new List<string>();
            var i = 0;
            while (i < data.Length) names.Add(DecodeAt(data, ref i));
            return names;
        }

        static string DecodeAt(ReadOnlySpan<byte> data, ref int position)
        {
            var name = new StringBuilder();
            var i = position;
            var jumped = false;
            var lowestJump = position;
            while (true)
            {
                if (i >= data.Length) throw new DhcpFormatException("a domain name runs past the end of its option");
                var length = data[i];
                if (length == 0)
                {
                    if (!jumped) position = i + 1;
                    break;
                }
                if ((length & 0xC0) == 0xC0)
                {
                    if (i + 1 >= data.Length) throw new DhcpFormatException("a compression pointer is cut short");
                    var target = ((length & 0x3F) << 8) | data[i + 1];
                    // Only strictly backwards, each jump further back than the last: no loops.
                    if (target >= lowestJump) throw new DhcpFormatException($"a compression pointer to {target} does not point backwards");
                    if (!jumped) position = i + 2;
                    jumped = true;
                    lowestJump = target;
                    i = target;
                    continue;
                }
                if ((length & 0xC0) != 0) throw new DhcpFormatException($"label length byte 0x{length:X2} uses a reserved form");
                if (i + 1 + length > data.Length) throw new DhcpFormatException("a label runs past the end of its option");
                if (name.Length > 0) name.Append('.');
                name.Append(Encoding.ASCII.GetString(data.Slice(i + 1, length).ToArray()));
                if (name.Length > MaxNameLength) throw new DhcpFormatException($"a domain name longer than {MaxNameLength} characters");
                i += 1 + length;
            }
            return name.ToString();
        }

        /// <summary>Encodes names without compression (always valid, a little longer).</summary>
        public static byte[] Encode(IEnumerable<string> names)
        {
            var output = new MemoryStream();
            foreach (var name in names)
            {
                foreach (var label in name.TrimEnd('.').Split('.'))
                {
                    if (label.Length == 0 || label.Length > 63) throw new ArgumentException($"'{name}' has an empty label or one longer than 63");
                    output.WriteByte((byte)label.Length);
                    var bytes = Encoding.ASCII.GetBytes(label);
                    output.Write(bytes, 0, bytes.Length);
                }
                output.WriteByte(0);
            }
            return output.ToArray();
        }
    }
}
