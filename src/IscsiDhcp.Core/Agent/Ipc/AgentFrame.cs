using System;
using System.Buffers.Binary;

namespace IscsiDhcp.Agent.Ipc
{
    /// <summary>
    /// How agent messages are framed on the socket (libdhcpagent's way): a 4-byte big-endian
    /// length, then that many bytes of UTF-8 JSON. The length is checked before anything is
    /// read or allocated for the body, so a peer cannot make the reader allocate without bound.
    /// </summary>
    public static class AgentFrame
    {
        public const int HeaderLength = 4;

        /// <summary>The largest body either side accepts: far above any real request (a session request is under 2 KiB).</summary>
        public const int MaxBodyLength = 1024 * 1024;

        /// <summary>The body length a header announces; an empty or oversize body is a protocol error.</summary>
        public static int ReadLength(ReadOnlySpan<byte> header)
        {
            if (header.Length < HeaderLength) throw new AgentProtocolException("a frame header is 4 bytes");
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length == 0) throw new AgentProtocolException("an empty message");
            if (length > MaxBodyLength) throw new AgentProtocolException($"a message of {length} bytes (at most {MaxBodyLength} are accepted)");
            return (int)length;
        }

        /// <summary>Writes the header for a body of <paramref name="bodyLength"/> bytes.</summary>
        public static void WriteHeader(Span<byte> header, int bodyLength)
        {
            if (bodyLength <= 0 || bodyLength > MaxBodyLength) throw new ArgumentOutOfRangeException(nameof(bodyLength), bodyLength, $"a message body is 1 to {MaxBodyLength} bytes");
            BinaryPrimitives.WriteUInt32BigEndian(header, (uint)bodyLength);
        }
    }
}
