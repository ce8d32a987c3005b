using System;
using System.Text;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// The messages a client sends, and what it reads of the server's handshake (the other half
    /// of <see cref="NbdMessages"/>). Pure: bytes in, bytes out.
    /// </summary>
    public static class NbdClientMessages
    {
        /// <summary>The client's 32-bit answer to the greeting.</summary>
        public static byte[] ClientFlags(NbdClientHandshake flags)
        {
            var bytes = new byte[NbdMagic.ClientFlagsLength];
            var w = new NbdWriter(bytes);
            w.U32((uint)flags);
            return bytes;
        }

        public static byte[] Option(NbdOption option, ReadOnlySpan<byte> data = default)
        {
            var bytes = new byte[NbdMagic.OptionHeaderLength + data.Length];
            var w = new NbdWriter(bytes);
            new NbdOptionHeader(NbdMagic.IHaveOption, option, (uint)data.Length).Write(ref w);
            w.Bytes(data);
            return bytes;
        }

        /// <summary>NBD_OPT_GO for <paramref name="exportName"/>, asking for the given information (NBD_INFO_EXPORT always comes).</summary>
        public static byte[] Go(string exportName, params NbdInfoType[] requests)
        {
            var name = Encoding.UTF8.GetBytes(exportName);
            if (name.Length > NbdMagic.MaxStringLength) throw new ArgumentException($"an export name is at most {NbdMagic.MaxStringLength} bytes", nameof(exportName));
            var data = new byte[4 + name.Length + 2 + 2 * requests.Length];
            var w = new NbdWriter(data);
            w.U32((uint)name.Length);
            w.Bytes(name);
            w.U16((ushort)requests.Length);
            foreach (var request in requests) w.U16((ushort)request);
            return Option(NbdOption.Go, data);
        }

        /// <summary>A transmission request header into <paramref name="into"/> (28 bytes); returns its length.</summary>
        public static int WriteRequest(Span<byte> into, NbdCommand command, ulong cookie, ulong offset, uint length, NbdRequestModifiers flags = NbdRequestModifiers.None)
        {
            var w = new NbdWriter(into);
            new NbdRequest(NbdMagic.Request, flags, command, cookie, offset, length).Write(ref w);
            return w.Position;
        }

        /// <summary>The server's greeting: its handshake flags, or why it is not a newstyle NBD server.</summary>
        public static NbdServerHandshake ReadGreeting(ReadOnlySpan<byte> greeting)
        {
            var r = new NbdReader(greeting);
            var password = r.U64("NBDMAGIC");
            var option = r.U64("IHAVEOPT");
            var flags = (NbdServerHandshake)r.U16("the handshake flags");
            if (r.Failed) throw new NbdProtocolException($"the greeting is short: {r.Error}");
            if (password != NbdMagic.InitPassword) throw new NbdProtocolException("the peer is not an NBD server (no NBDMAGIC)");
            if (option != NbdMagic.IHaveOption) throw new NbdProtocolException("the server speaks only the old style of the protocol (no IHAVEOPT)");
            if ((flags & NbdServerHandshake.FixedNewstyle) == 0) throw new NbdProtocolException("the server does not speak fixed newstyle negotiation");
            return flags;
        }

        /// <summary>
        /// Applies one NBD_REP_INFO's data to what is known of the export: its size and flags
        /// (NBD_INFO_EXPORT) or its block sizes (NBD_INFO_BLOCK_SIZE); other types are ignored,
        /// as the protocol asks of a client.
        /// </summary>
        public static void ReadInfo(ReadOnlySpan<byte> data, ref NbdExportInfo info)
        {
            var r = new NbdReader(data);
            var type = (NbdInfoType)r.U16("the information type");
            switch (type)
            {
                case NbdInfoType.Export:
                    info.Size = r.U64("the export size");
                    info.Flags = (NbdExportFeatures)r.U16("the transmission flags");
                    info.HasExport = !r.Failed;
                    break;
                case NbdInfoType.BlockSize:
                    info.MinimumBlockSize = r.U32("the minimum block size");
                    info.PreferredBlockSize = r.U32("the preferred block size");
                    info.MaximumPayload = r.U32("the maximum payload");
                    if (!r.Failed && !IsPowerOfTwo(info.MinimumBlockSize)) r.Fail($"the minimum block size {info.MinimumBlockSize} is not a power of two");
                    break;
            }
            if (r.Failed) throw new NbdProtocolException($"the server's {type} information is malformed: {r.Error}");
        }

        static bool IsPowerOfTwo(uint value) => value != 0 && (value & (value - 1)) == 0;
    }
}
