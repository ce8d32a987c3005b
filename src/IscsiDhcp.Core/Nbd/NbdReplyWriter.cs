using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using IscsiDhcp.Common;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// Writes a connection's replies, whole and in the order they were queued, on a thread of its
    /// own with blocking writes. Requests finish on whatever thread their export completes them
    /// (an iSCSI completion thread), and must never wait there for a client that reads slowly:
    /// they queue the reply and go on. Whatever is queued when the thread wakes goes out
    /// together, small replies gathered into one write. Measured against asynchronous writes
    /// under a lock (nbdcopy from a LUN export, 256 KiB reads): those took a thread-pool hand-off
    /// and an epoll wake-up per reply, and most of the agent's CPU went to switching threads.
    /// Where the stream is a socket that can be written without waiting (<see cref="SocketSendNow"/>),
    /// a reply queued while nothing else is being written goes out at once on the thread that
    /// queued it, as far as the socket has room, and only what does not fit is left to the
    /// thread: nbdcopy through the agent's export woke the thread for every 256 KiB read
    /// (perf, sched_switch: two switches of the writing thread per reply).
    /// </summary>
    sealed class NbdReplyWriter
    {
        /// <summary>Replies up to this long are gathered into one write with the others queued beside them.</summary>
        const int GatherBelow = 4096;
        const int GatherBufferSize = 64 << 10;
        const int SendBufferSize = 2 << 20;

        readonly Stream stream;
        readonly Action<NbdReply> written;
        readonly Action failed;
        readonly object gate = new();
        readonly byte[] gathered = new byte[GatherBufferSize];
        readonly Thread thread;
        readonly SocketSendNow? sendNow;
        List<NbdReply> queued = new(), writing = new();
        // Who writes now: the thread (its batch in `writing`), or a caller of Enqueue without waiting; never both.
        bool threadWriting, writingNow;
        bool completing, broken;

        /// <summary>
        /// Starts the writing thread. <paramref name="written"/> is told of every reply once it
        /// has been written, or given up because the connection broke; <paramref name="failed"/>
        /// once, when a write fails (the client is gone, or the stream was closed under it).
        /// </summary>
        public NbdReplyWriter(Stream stream, Action<NbdReply> written, Action failed)
        {
            this.stream = stream;
            this.written = written;
            this.failed = failed;
            sendNow = SocketSendNow.For(stream);
            // Room for a few large replies, so one sent at once fits whole (the default holds less than one 256 KiB read).
            sendNow?.GrowSendBuffer(SendBufferSize);
            thread = new Thread(Run) { IsBackground = true, Name = "NBD replies" };
            thread.Start();
        }

        /// <summary>
        /// Queues a reply, or sends it at once when nothing is being written and the socket has
        /// room (what does not fit is queued, ahead of anything queued meanwhile); after a write
        /// has failed it is given up at once (<c>written</c> is still told).
        /// </summary>
        public void Enqueue(in NbdReply reply)
        {
            bool givenUp;
            lock (gate)
            {
                givenUp = broken || completing;
                if (!givenUp && (sendNow is null || threadWriting || writingNow || queued.Count > 0))
                {
                    queued.Add(reply);
                    if (queued.Count == 1) Monitor.Pulse(gate);
                    return;
                }
                if (!givenUp) writingNow = true;
            }
            if (givenUp) written(reply);
            else SendNow(reply);
        }

        void SendNow(in NbdReply reply)
        {
            var sent = 0;
            var failure = false;
            try
            {
                sent = sendNow!.Send(reply.Bytes, reply.Offset, reply.Count);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                GC.KeepAlive(e);
                failure = true;
            }
            lock (gate)
            {
                writingNow = false;
                if (failure) broken = true;
                else if (sent < reply.Count) queued.Insert(0, new NbdReply(reply.Bytes, reply.Offset + sent, reply.Count - sent, reply.Rented, reply.Taken));
                if (queued.Count > 0 || completing) Monitor.Pulse(gate);
            }
            if (failure) failed();
            if (failure || sent == reply.Count) written(reply);
        }

        /// <summary>Writes what is queued, then ends the thread and waits for it.</summary>
        public void Complete()
        {
            lock (gate)
            {
                completing = true;
                Monitor.Pulse(gate);
            }
            thread.Join();
        }

        void Run()
        {
            while (true)
            {
                lock (gate)
                {
                    while ((queued.Count == 0 && !completing) || writingNow) Monitor.Wait(gate);
                    if (queued.Count == 0) return;
                    (queued, writing) = (writing, queued);
                    threadWriting = true;
                }
                try
                {
                    if (!broken) Write(writing);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    GC.KeepAlive(e);
                    lock (gate) broken = true;
                    failed();
                }
                foreach (var reply in writing) written(reply);
                writing.Clear();
                lock (gate) threadWriting = false;
            }
        }

        void Write(List<NbdReply> replies)
        {
            var length = 0;
            foreach (var reply in replies)
            {
                if (reply.Count < GatherBelow)
                {
                    if (length + reply.Count > gathered.Length)
                    {
                        stream.Write(gathered, 0, length);
                        length = 0;
                    }
                    Buffer.BlockCopy(reply.Bytes, reply.Offset, gathered, length, reply.Count);
                    length += reply.Count;
                    continue;
                }
                if (length > 0)
                {
                    stream.Write(gathered, 0, length);
                    length = 0;
                }
                stream.Write(reply.Bytes, reply.Offset, reply.Count);
            }
            if (length > 0) stream.Write(gathered, 0, length);
        }
    }
}
