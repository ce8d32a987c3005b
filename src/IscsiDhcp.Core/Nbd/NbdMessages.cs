using System;
using System.Text;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// The messages a server sends. Handshake messages are small and rare, so they come back as
    /// arrays; transmission-phase headers are written into the caller's buffer (no allocation
    /// per request).
    /// </summary>
    public static class NbdMessages
    {
        /// <summary>The newstyle greeting: NBDMAGIC, IHAVEOPT, the handshake flags.</summary>
        public static byte[] Greeting(NbdServerHandshake flags)
        {
            var bytes = new byte[NbdMagic.GreetingLength];
            var w = new NbdWriter(bytes);
            w.U64(NbdMagic.InitPassword);
            w.U64(NbdMagic.IHaveOption);
            w.U16((ushort)flags);
            return bytes;
        }

        public static byte[] OptionReply(NbdOption option, NbdOptionReplyType type, ReadOnlySpan<byte> data = default)
        {
            var bytes = new byte[NbdMagic.OptionReplyHeaderLength + data.Length];
            var w = new NbdWriter(bytes);
            w.U64(NbdMagic.OptionReply);
            w.U32((uint)option);
            w.U32((uint)type);
            w.U32((uint)data.Length);
            w.Bytes(data);
            return bytes;
        }

        /// <summary>An error reply; its data is a message for a human (cut to the protocol's string limit).</summary>
        public static byte[] OptionError(NbdOption option, NbdOptionReplyType type, string message) =>
            OptionReply(option, type, Utf8(message));

        /// <summary>NBD_REP_SERVER for NBD_OPT_LIST: the name, then a description for display.</summary>
        public static byte[] ServerEntry(string name, string? description)
        {
            var n = Utf8(name);
            var d = Utf8(description ?? "");
            var data = new byte[4 + n.Length + d.Length];
            var w = new NbdWriter(data);
            w.U32((uint)n.Length);
            w.Bytes(n);
            w.Bytes(d);
            return OptionReply(NbdOption.List, NbdOptionReplyType.Server, data);
        }

        public static byte[] InfoExport(NbdOption option, ulong size, NbdExportFeatures flags)
        {
            var data = new byte[12];
            var w = new NbdWriter(data);
            w.U16((ushort)NbdInfoType.Export);
            w.U64(size);
            w.U16((ushort)flags);
            return OptionReply(option, NbdOptionReplyType.Info, data);
        }

        public static byte[] InfoBlockSize(NbdOption option, uint minimum, uint preferred, uint maximumPayload)
        {
            var data = new byte[14];
            var w = new NbdWriter(data);
            w.U16((ushort)NbdInfoType.BlockSize);
            w.U32(minimum);
            w.U32(preferred);
            w.U32(maximumPayload);
            return OptionReply(option, NbdOptionReplyType.Info, data);
        }

        /// <summary>NBD_INFO_NAME or NBD_INFO_DESCRIPTION.</summary>
        public static byte[] InfoText(NbdOption option, NbdInfoType type, string text)
        {
            var t = Utf8(text);
            var data = new byte[2 + t.Length];
            var w = new NbdWriter(data);
            w.U16((ushort)type);
            w.Bytes(t);
            return OptionReply(option, NbdOptionReplyType.Info, data);
        }

        /// <summary>The end of NBD_OPT_EXPORT_NAME: size and flags, and 124 zeroes unless both sides chose NO_ZEROES.</summary>
        public static byte[] ExportNameReply(ulong size, NbdExportFeatures flags, bool noZeroes)
        {
            var bytes = new byte[noZeroes ? 10 : NbdMagic.ExportNameReplyLength];
            var w = new NbdWriter(bytes);
            w.U64(size);
            w.U16((ushort)flags);
            return bytes;
        }

        public static int WriteSimpleReply(Span<byte> into, NbdError error, ulong cookie)
        {
            var w = new NbdWriter(into);
            w.U32(NbdMagic.SimpleReply);
            w.U32((uint)error);
            w.U64(cookie);
            return w.Position;
        }

        public static int WriteStructuredHeader(Span<byte> into, bool done, NbdReplyType type, ulong cookie, uint length)
        {
            var w = new NbdWriter(into);
            w.U32(NbdMagic.StructuredReply);
            w.U16(done ? DoneFlag : (ushort)0);
            w.U16((ushort)type);
            w.U64(cookie);
            w.U32(length);
            return w.Position;
        }

        /// <summary>The header of an NBD_REPLY_TYPE_OFFSET_DATA chunk (28 bytes); <paramref name="dataLength"/> bytes of data follow it.</summary>
        public static int WriteOffsetDataHeader(Span<byte> into, bool done, ulong cookie, ulong offset, uint dataLength)
        {
            var n = WriteStructuredHeader(into, done, NbdReplyType.OffsetData, cookie, checked(dataLength + 8));
            var w = new NbdWriter(into.Slice(n));
            w.U64(offset);
            return n + w.Position;
        }

        public const int OffsetDataHeaderLength = NbdMagic.StructuredReplyHeaderLength + 8;

        /// <summary>A final NBD_REPLY_TYPE_NONE chunk: success with nothing to carry.</summary>
        public static int WriteNoneChunk(Span<byte> into, ulong cookie) => WriteStructuredHeader(into, true, NbdReplyType.None, cookie, 0);

        /// <summary>The bytes <see cref="WriteErrorChunk"/> needs for <paramref name="message"/>.</summary>
        public static int ErrorChunkLength(string message) => NbdMagic.StructuredReplyHeaderLength + 6 + Utf8(message).Length;

        /// <summary>A final NBD_REPLY_TYPE_ERROR chunk: the error and a message for a human.</summary>
        public static int WriteErrorChunk(Span<byte> into, ulong cookie, NbdError error, string message)
        {
            if (error == NbdError.None) throw new ArgumentException("an error chunk's error must be nonzero", nameof(error));
            var m = Utf8(message);
            var n = WriteStructuredHeader(into, true, NbdReplyType.Error, cookie, (uint)(6 + m.Length));
            var w = new NbdWriter(into.Slice(n));
            w.U32((uint)error);
            w.U16((ushort)m.Length);
            w.Bytes(m);
            return n + w.Position;
        }

        public const ushort DoneFlag = 1;

        /// <summary>UTF-8, cut at a character boundary to the protocol's 4096-byte string limit.</summary>
        static byte[] Utf8(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (bytes.Length <= NbdMagic.MaxStringLength) return bytes;
            var end = NbdMagic.MaxStringLength;
            while (end > 0 && (bytes[end] & 0xC0) == 0x80) end--;   // do not split a character
            return bytes.AsSpan(0, end).ToArray();
        }
    }
}
