using System;
using System.Collections.Generic;
using System.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Text
{
    /// <summary>
    /// The key=value text format of Login and Text PDUs (RFC 7143 section 6): UTF-8
    /// pairs, each ended by a NUL. Keys are at most 63 bytes; order is kept and keys may
    /// repeat (SendTargets answers repeat TargetName and TargetAddress).
    /// </summary>
    public static class TextCodec
    {
        public const int MaxKeyLength = 63;

        public static byte[] Encode(IEnumerable<TextKeyValue> pairs)
        {
            var sb = new StringBuilder();
            foreach (var pair in pairs)
            {
                if (pair.Key.Length == 0 || pair.Key.Length > MaxKeyLength || pair.Key.IndexOf('=') >= 0 || pair.Key.IndexOf('\0') >= 0)
                    throw new ArgumentException($"'{pair.Key}' is not a valid iSCSI key", nameof(pairs));
                if (pair.Value.IndexOf('\0') >= 0)
                    throw new ArgumentException($"the value of {pair.Key} holds a NUL", nameof(pairs));
                sb.Append(pair.Key).Append('=').Append(pair.Value).Append('\0');
            }
            return Encoding.UTF8.GetBytes(sb.ToString());
        }

        /// <summary>
        /// Decodes complete pairs. Trailing bytes after the last NUL are an error here:
        /// a pair split over PDUs is joined by <see cref="TextSegmentCollector"/> first.
        /// </summary>
        public static List<TextKeyValue> Decode(ReadOnlySpan<byte> data)
        {
            var pairs = new List<TextKeyValue>();
            while (data.Length > 0)
            {
                var end = data.IndexOf((byte)0);
                if (end < 0) throw new IscsiProtocolException("a text key=value pair is not NUL-terminated");
                var pair = data.Slice(0, end);
                data = data.Slice(end + 1);
                if (pair.Length == 0) continue;   // padding NULs
                var eq = pair.IndexOf((byte)'=');
                if (eq <= 0) throw new IscsiProtocolException("a text pair has no key or no '='");
                if (eq > MaxKeyLength) throw new IscsiProtocolException($"a text key is longer than {MaxKeyLength} bytes");
                pairs.Add(new TextKeyValue(Utf8(pair.Slice(0, eq)), Utf8(pair.Slice(eq + 1))));
            }
            return pairs;
        }

        static string Utf8(ReadOnlySpan<byte> bytes)
        {
            try
            {
                return StrictUtf8.GetString(bytes.ToArray());
            }
            catch (DecoderFallbackException e)
            {
                throw new IscsiProtocolException("text is not valid UTF-8", e);
            }
        }

        static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    }
}
