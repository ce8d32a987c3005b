using System;
using System.IO;
using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace IscsiDhcp.Common
{
    /// <summary>
    /// Writes to a stream socket without waiting for room in it (send with MSG_DONTWAIT), for a
    /// thread that must never block on a slow reader and would rather not wake another thread to
    /// write for it. .NET cannot ask this per call: a socket it makes non-blocking stays so, and
    /// every blocking read on it afterwards goes through epoll and a thread hand-off. Linux only
    /// (the flags' values differ elsewhere); elsewhere <see cref="For"/> gives null.
    /// </summary>
    sealed class SocketSendNow
    {
        const int SolSocket = 1, SoType = 3, SoSndbuf = 7, SoSndbufForce = 32, SockStream = 1;
        const int MsgDontWait = 0x40, MsgNoSignal = 0x4000;
        const int EIntr = 4, EAgain = 11;

        readonly SafeHandle socket;

        SocketSendNow(SafeHandle socket) => this.socket = socket;

        /// <summary>The sender for the stream socket under <paramref name="stream"/> (a pipe stream over a Unix socket, as the agent's listener accepts); null for anything else.</summary>
        public static SocketSendNow? For(Stream stream)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
            if (stream is not PipeStream pipe) return null;
            var handle = pipe.SafePipeHandle;
            var type = 0;
            var length = sizeof(int);
            return Call(handle, fd => getsockopt(fd, SolSocket, SoType, ref type, ref length)) == 0 && type == SockStream
                ? new SocketSendNow(handle)
                : null;
        }

        /// <summary>
        /// Asks for room for <paramref name="bytes"/> unread bytes in the socket, past the
        /// system's cap (net.core.wmem_max) where the process may (CAP_NET_ADMIN); a request
        /// refused leaves the buffer as it was.
        /// </summary>
        public void GrowSendBuffer(int bytes)
        {
            if (Call(socket, fd => setsockopt(fd, SolSocket, SoSndbufForce, ref bytes, sizeof(int))) != 0)
                _ = Call(socket, fd => setsockopt(fd, SolSocket, SoSndbuf, ref bytes, sizeof(int)));
        }

        /// <summary>
        /// Sends what fits of <paramref name="count"/> bytes of <paramref name="buffer"/> from
        /// <paramref name="offset"/> now: the number sent, 0 when the socket has no room. An
        /// <see cref="IOException"/> when the connection is gone, <see cref="ObjectDisposedException"/> when it was closed here.
        /// </summary>
        public int Send(byte[] buffer, int offset, int count)
        {
            if (count == 0) return 0;
            return FileDescriptor.Use(socket, (buffer, offset, count), static (fd, b) =>
            {
                while (true)
                {
                    var sent = send(fd, ref b.buffer[b.offset], b.count, MsgDontWait | MsgNoSignal);
                    if (sent >= 0) return (int)sent;
                    var errno = Marshal.GetLastWin32Error();
                    if (errno == EAgain) return 0;
                    if (errno != EIntr) throw new IOException($"sending to the socket failed (errno {errno})");
                }
            });
        }

        /// <summary>A set-up call on the socket; -1 when it was closed meanwhile.</summary>
        static int Call(SafeHandle handle, Func<int, int> call)
        {
            try { return FileDescriptor.Use(handle, call); }
            catch (ObjectDisposedException) { return -1; }
        }

        [DllImport("libc", SetLastError = true)]
        static extern nint send(int fd, ref byte buffer, nint length, int flags);

        [DllImport("libc", SetLastError = true)]
        static extern int setsockopt(int fd, int level, int name, ref int value, int length);

        [DllImport("libc", SetLastError = true)]
        static extern int getsockopt(int fd, int level, int name, ref int value, ref int length);
    }
}
