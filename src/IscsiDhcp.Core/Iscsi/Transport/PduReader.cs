using System;
using System.IO;
using System.Net.Sockets;

namespace IscsiDhcp.Iscsi.Transport
{
    /// <summary>
    /// Blocking reads of PDUs from a stream with as few copies and system calls as the
    /// traffic allows. Many small PDUs (4 KiB I/O, NOPs) are read in large gulps through a
    /// buffer; a large data segment is read straight from the socket into the caller's
    /// memory, and while large segments keep coming, headers are read on their own so the
    /// buffer never swallows (and then copies) the start of the next segment. A
    /// <see cref="BufferedStream"/> copied nearly every byte of 64 KiB reads twice.
    /// </summary>
    sealed class PduReader : IDisposable
    {
        const int BufferSize = 64 * 1024;
        /// <summary>A remainder at least this long is read directly into the destination.</summary>
        const int DirectThreshold = 8 * 1024;

        /// <summary>
        /// What a direct read of a data segment asks for beyond it, into the buffer: its padding
        /// and digest and the next PDU's header with its digest, so the next header costs no
        /// system call of its own when it has arrived already (64 KiB reads: 2 receives per PDU, not 3).
        /// </summary>
        const int ReadAhead = 3 + 4 + 48 + 4;

        readonly Stream stream;
        readonly Socket? socket;
        readonly byte[] buffer = new byte[BufferSize];
        // The two pieces of a direct read with read-ahead, reused (a scatter receive takes a list).
        readonly ArraySegment<byte>[] scatter = new ArraySegment<byte>[2];
        int start;
        int end;
        bool largeSegments;

        /// <summary>A reader of <paramref name="stream"/>; given the socket under it, a direct read also takes the start of what follows.</summary>
        public PduReader(Stream stream, Socket? socket = null)
        {
            this.stream = stream;
            this.socket = socket;
        }

        /// <summary>Fills <paramref name="destination"/> completely; a closed stream is an error.</summary>
        public void ReadExactly(byte[] destination, int offset, int count)
        {
            var buffered = Math.Min(count, end - start);
            Buffer.BlockCopy(buffer, start, destination, offset, buffered);
            start += buffered;
            offset += buffered;
            count -= buffered;
            if (count >= DirectThreshold)
            {
                // The buffer is empty here: what comes after the segment may land at its start.
                while (count > 0)
                {
                    var n = socket is null ? Receive(destination, offset, count) : ReceiveWithReadAhead(destination, offset, count);
                    if (n > count)
                    {
                        start = 0;
                        end = n - count;
                        n = count;
                    }
                    offset += n;
                    count -= n;
                }
                return;
            }
            while (count > 0)
            {
                // The buffer is empty here: refill it, with only what is asked for while large
                // segments are flowing (the rest would be data that then has to be copied).
                start = 0;
                end = Receive(buffer, 0, largeSegments ? count : BufferSize);
                var n = Math.Min(count, end);
                Buffer.BlockCopy(buffer, 0, destination, offset, n);
                start = n;
                offset += n;
                count -= n;
            }
        }

        /// <summary>The bytes read from the stream and not yet taken.</summary>
        public ReadOnlySpan<byte> Buffered => buffer.AsSpan(start, end - start);

        /// <summary>Tells the reader how long the data segment after the last header is, so it can choose how to read the next one.</summary>
        public void NoteSegment(int length) => largeSegments = length >= DirectThreshold;

        /// <summary>Called before every read from the stream, which may block: the reader's owner hands on what it has gathered first.</summary>
        public Action? BeforeReceive { get; set; }

        int Receive(byte[] into, int offset, int count)
        {
            BeforeReceive?.Invoke();
            var n = stream.Read(into, offset, count);
            if (n == 0) throw new IscsiConnectionClosedException("the target closed the connection");
            return n;
        }

        /// <summary>One receive into [offset, offset+count) of <paramref name="into"/> and then the start of the (empty) buffer; returns the bytes received in all.</summary>
        int ReceiveWithReadAhead(byte[] into, int offset, int count)
        {
            BeforeReceive?.Invoke();
            scatter[0] = new ArraySegment<byte>(into, offset, count);
            scatter[1] = new ArraySegment<byte>(buffer, 0, ReadAhead);
            int n;
            try
            {
                n = socket!.Receive(scatter, SocketFlags.None, out var error);
                if (error != SocketError.Success) throw new IOException($"Unable to read data from the transport connection: {error}", new SocketException((int)error));
            }
            catch (ObjectDisposedException e)
            {
                throw new IOException("Unable to read data from the transport connection: the connection was closed", e);
            }
            finally
            {
                scatter[0] = default;
            }
            if (n == 0) throw new IscsiConnectionClosedException("the target closed the connection");
            return n;
        }

        public void Dispose() => stream.Dispose();
    }
}
