using System;
using System.Collections.Generic;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Text
{
    /// <summary>
    /// Joins the data segments of a text or login exchange that spans several PDUs
    /// (the C bit), up to a bound, so a target cannot make us buffer without limit.
    /// </summary>
    public sealed class TextSegmentCollector
    {
        readonly int maxLength;
        byte[] buffer = new byte[1024];
        int length;

        public TextSegmentCollector(int maxLength)
        {
            if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength));
            this.maxLength = maxLength;
        }

        public int Length => length;

        public void Append(ReadOnlySpan<byte> segment)
        {
            if (segment.Length > maxLength - length)
                throw new IscsiProtocolException($"text response longer than {maxLength} bytes");
            if (length + segment.Length > buffer.Length)
                Array.Resize(ref buffer, Math.Min(maxLength, Math.Max(buffer.Length * 2, length + segment.Length)));
            segment.CopyTo(buffer.AsSpan(length));
            length += segment.Length;
        }

        /// <summary>The pairs collected so far; the collector starts empty again.</summary>
        public List<TextKeyValue> Take()
        {
            var pairs = TextCodec.Decode(buffer.AsSpan(0, length));
            length = 0;
            return pairs;
        }
    }
}
