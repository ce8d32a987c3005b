using System;
using System.IO;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// Blocking reads of exact byte counts from an NBD connection, for the server and the
    /// client alike. Headers (many arrive at once while requests are in flight) are taken from a
    /// buffer filled in large gulps, one system call for many; a payload past what the buffer
    /// holds is read straight into its destination.
    /// </summary>
    sealed class NbdInbox
    {
        const int BufferSize = 64 << 10;
        /// <summary>A remainder at least this long is read directly into the destination.</summary>
        const int DirectThreshold = 8 << 10;

        readonly Stream stream;
        readonly byte[] buffer = new byte[BufferSize];
        int start, end;

        public NbdInbox(Stream stream) => this.stream = stream;

        /// <summary>
        /// Fills <paramref name="count"/> bytes of <paramref name="destination"/> from
        /// <paramref name="offset"/>; false when the stream ends cleanly before the first byte,
        /// <see cref="EndOfStreamException"/> when it ends within them.
        /// </summary>
        public bool TryRead(byte[] destination, int offset, int count)
        {
            var done = 0;
            while (done < count)
            {
                if (start == end)
                {
                    var remaining = count - done;
                    if (remaining >= DirectThreshold)
                    {
                        var n = stream.Read(destination, offset + done, remaining);
                        if (n == 0) return Ended(done, count);
                        done += n;
                        continue;
                    }
                    start = 0;
                    end = stream.Read(buffer, 0, buffer.Length);
                    if (end == 0) return Ended(done, count);
                }
                var take = Math.Min(count - done, end - start);
                Buffer.BlockCopy(buffer, start, destination, offset + done, take);
                start += take;
                done += take;
            }
            return true;
        }

        static bool Ended(int done, int count) =>
            done == 0 ? false : throw new EndOfStreamException($"the connection was closed {done} bytes into a {count}-byte message");
    }
}
