using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using IscsiDhcp.Block;
using IscsiDhcp.Common;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// Moves a block-aligned range between a LUN and a file (or only reads one, to verify) the
    /// way a copy is fast on a network: large aligned transfers, several LUN commands in flight
    /// at once, the file read or written in order on a pool thread, and SHA-256 computed in order
    /// on another thread while the next transfers run. Each chunk has a buffer of its own that
    /// both the hash and the destination read; nothing is copied between buffers. The buffers
    /// are pinned and start at <see cref="DirectIo.Alignment"/>-byte addresses, so a file end can
    /// write them to disk directly (see <see cref="FileEnd"/>).
    /// Measured against qemu-img convert (bench/compare-qemu.sh): one 1 MiB command at a time
    /// with the hash on the I/O path read a LUN at 0.38x qemu-img's speed.
    /// </summary>
    sealed class CopyPipeline
    {
        /// <summary>One transfer: a multiple of every block size, and of tgtd's 256 KiB MaxBurstLength.</summary>
        internal const int ChunkSize = 1 << 20;
        /// <summary>Chunks between being fetched and being hashed and stored: the LUN commands in flight at most.</summary>
        internal const int Depth = 8;

        readonly ICommandHost host;
        readonly CancellationToken cancel;

        public CopyPipeline(ICommandHost host, CancellationToken cancel)
        {
            this.host = host;
            this.cancel = cancel;
        }

        /// <summary>One side of a copy: a LUN from a byte offset (commands may overlap) or a file (read or written in order from where it stands).</summary>
        public abstract class End
        {
            /// <summary>Whether transfers of different chunks may run at the same time.</summary>
            public abstract bool Concurrent { get; }
            public abstract Task ReadAsync(long at, ArraySegment<byte> into, CancellationToken cancel);
            public abstract Task WriteAsync(long at, ArraySegment<byte> data, CancellationToken cancel);
        }

        public sealed class LunEnd : End
        {
            readonly IBlockDevice device;
            readonly long offset;

            /// <summary>A LUN whose range starts <paramref name="offset"/> bytes in (a whole number of blocks).</summary>
            public LunEnd(IBlockDevice device, long offset)
            {
                this.device = device;
                this.offset = offset;
            }

            public override bool Concurrent => true;

            public override Task ReadAsync(long at, ArraySegment<byte> into, CancellationToken cancel) =>
                device.ReadAsync((ulong)((offset + at) / device.BlockSize), into, cancel).AsTask();

            public override Task WriteAsync(long at, ArraySegment<byte> data, CancellationToken cancel) =>
                device.WriteAsync((ulong)((offset + at) / device.BlockSize), data, cancel).AsTask();
        }

        public sealed class FileEnd : End
        {
            /// <summary>Bytes written between two write-behind flushes.</summary>
            internal const long WriteBehindInterval = 32L << 20;

            readonly Stream file;
            readonly FileStream? writeBehind;
            FileStream? direct;
            long unflushed;
            Task flushing = Task.CompletedTask;

            public FileEnd(Stream file) => this.file = file;

            /// <summary>
            /// A file written through <paramref name="file"/> whose data goes to disk while the copy
            /// runs, through <paramref name="second"/> (another writable handle of the same file):
            /// where the file system allows it, that handle is switched to direct I/O and every
            /// aligned chunk is written through it from the chunk's own buffer straight to the disk
            /// (no copy into the page cache, no dirty pages; measured on a 512 MiB copy: the page
            /// cache's copy and write-back took about a third of the copy's system time, and
            /// `qemu-img convert -t none` is twice as fast as `-t writeback` on the same machine);
            /// what is not aligned (the tail of a range that is not a multiple of
            /// <see cref="DirectIo.Alignment"/>) goes through <paramref name="file"/>. Where direct
            /// I/O is refused, every <see cref="WriteBehindInterval"/> bytes the second handle is
            /// flushed to disk on a pool thread instead, so the flush that ends the copy finds little
            /// left to write (the closing flush alone took 170-200 ms of an 800 ms copy).
            /// </summary>
            public FileEnd(Stream file, FileStream second)
            {
                this.file = file;
                if (DirectIo.TryEnable(second.SafeFileHandle)) direct = second;
                else writeBehind = second;
            }

            public override bool Concurrent => false;

            /// <summary>Bytes written around the page cache so far.</summary>
            internal long DirectBytes { get; private set; }

            public override Task ReadAsync(long at, ArraySegment<byte> into, CancellationToken cancel)
            {
                var got = 0;
                while (got < into.Count)
                {
                    cancel.ThrowIfCancellationRequested();
                    var n = file.Read(into.Array!, into.Offset + got, into.Count - got);
                    if (n == 0) throw new EndOfStreamException($"the file ended {at + got} bytes into the copy");
                    got += n;
                }
                return Task.CompletedTask;
            }

            public override Task WriteAsync(long at, ArraySegment<byte> data, CancellationToken cancel)
            {
                cancel.ThrowIfCancellationRequested();
                if (direct is not null && at % DirectIo.Alignment == 0 && data.Count % DirectIo.Alignment == 0)
                {
                    try
                    {
                        direct.Position = at;
                        direct.Write(data.Array!, data.Offset, data.Count);
                        DirectBytes += data.Count;
                        return Task.CompletedTask;
                    }
                    catch (IOException)
                    {
                        // Refused after all (a buffer not aligned, a file system that checks only
                        // on write): this chunk and the rest go through the page cache.
                        direct = null;
                    }
                }
                if (file.Position != at) file.Position = at;
                file.Write(data.Array!, data.Offset, data.Count);
                if (writeBehind is not null && (unflushed += data.Count) >= WriteBehindInterval && flushing.IsCompleted)
                {
                    flushing.GetAwaiter().GetResult();   // a failed flush fails the copy
                    unflushed = 0;
                    flushing = Task.Run(() => writeBehind.Flush(flushToDisk: true), CancellationToken.None);
                }
                return Task.CompletedTask;
            }

            /// <summary>Waits for the write-behind flush in progress, if any (before the file's last flush, or before it is closed).</summary>
            public Task SettleAsync() => flushing;
        }

        /// <summary>
        /// Moves <paramref name="length"/> bytes from <paramref name="source"/> to
        /// <paramref name="destination"/> (none: only read and hash) and returns their SHA-256.
        /// On failure or cancellation it returns only after every transfer it started has ended.
        /// </summary>
        public async Task<string> RunAsync(End source, End? destination, long length, string activity)
        {
            using var sha = SHA256.Create();
            var chunks = (int)((length + ChunkSize - 1) / ChunkSize);
            var slots = Math.Max(1, Math.Min(Depth, chunks));
            var buffers = new ArraySegment<byte>[slots];
            var pins = new GCHandle[slots];
            var finished = new Task?[slots];
            var sizes = new int[slots];
            Task fetching = Task.CompletedTask, hashing = Task.CompletedTask, storing = Task.CompletedTask;
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            long done = 0;
            try
            {
                for (var i = 0; i < chunks + slots; i++)
                {
                    var slot = i % slots;
                    // The chunk that used this buffer before must be hashed and stored first
                    // (the last turns only collect the chunks still running).
                    if (finished[slot] is { } previous)
                    {
                        await previous.ConfigureAwait(false);
                        finished[slot] = null;
                        done += sizes[slot];
                        Report(activity, done, length, clock, ref lastReport);
                    }
                    if (i >= chunks) continue;
                    cancel.ThrowIfCancellationRequested();

                    var at = (long)i * ChunkSize;
                    var size = (int)Math.Min(ChunkSize, length - at);
                    if (buffers[slot].Array is null) buffers[slot] = AlignedBuffer((int)Math.Min(ChunkSize, length), out pins[slot]);
                    var buffer = new ArraySegment<byte>(buffers[slot].Array!, buffers[slot].Offset, size);
                    sizes[slot] = size;
                    var fetched = source.Concurrent
                        ? source.ReadAsync(at, buffer, cancel)
                        : fetching = After(fetching, () => source.ReadAsync(at, buffer, cancel));
                    // In order, on a pool thread, while later chunks are in flight.
                    hashing = After(hashing, fetched, () => sha.TransformBlock(buffer.Array!, buffer.Offset, size, null, 0));
                    var stored = destination is null ? fetched
                        : destination.Concurrent ? After(fetched, () => destination.WriteAsync(at, buffer, cancel))
                        : storing = After(storing, fetched, () => destination.WriteAsync(at, buffer, cancel).GetAwaiter().GetResult());
                    finished[slot] = Task.WhenAll(hashing, stored);
                }
            }
            finally
            {
                // Never leave a transfer running into a buffer (or a file) that is being given up.
                foreach (var running in finished)
                {
                    if (running is null) continue;
                    try { await running.ConfigureAwait(false); }
                    catch (Exception e) { GC.KeepAlive(e); }   // the first failure is the one that propagates
                }
                foreach (var pin in pins)
                {
                    if (pin.IsAllocated) pin.Free();
                }
                host.WriteProgress(new OperationProgress(1, activity, "done", 100, 0, completed: true));
            }
            sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
            return BitConverter.ToString(sha.Hash!).Replace("-", "");
        }

        /// <summary>
        /// <paramref name="size"/> bytes that start at a <see cref="DirectIo.Alignment"/>-byte
        /// address, in an array pinned by <paramref name="pin"/> (so the address holds) until it is freed.
        /// </summary>
        static ArraySegment<byte> AlignedBuffer(int size, out GCHandle pin)
        {
            var array = new byte[size + DirectIo.Alignment];
            pin = GCHandle.Alloc(array, GCHandleType.Pinned);
            var misaligned = (int)(pin.AddrOfPinnedObject().ToInt64() % DirectIo.Alignment);
            return new ArraySegment<byte>(array, misaligned == 0 ? 0 : DirectIo.Alignment - misaligned, size);
        }

        void Report(string activity, long done, long length, Stopwatch clock, ref TimeSpan lastReport)
        {
            if (clock.Elapsed - lastReport < TimeSpan.FromMilliseconds(250)) return;
            lastReport = clock.Elapsed;
            var rate = done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            host.WriteProgress(new OperationProgress(1, activity, $"{done >> 20} of {length >> 20} MiB, {rate / 1e6:0.0} MB/s",
                (int)(done * 100 / Math.Max(length, 1)), (int)((length - done) / Math.Max(rate, 1))));
        }

        /// <summary><paramref name="next"/> once <paramref name="first"/> has succeeded, started on a pool thread.</summary>
        static Task After(Task first, Func<Task> next) =>
            first.ContinueWith(t =>
            {
                t.GetAwaiter().GetResult();
                return next();
            }, CancellationToken.None, TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default).Unwrap();

        /// <summary><paramref name="work"/> on a pool thread once both tasks have succeeded (never on the thread that completed them).</summary>
        static Task After(Task first, Task second, Action work) =>
            Task.WhenAll(first, second).ContinueWith(t =>
            {
                t.GetAwaiter().GetResult();
                work();
            }, CancellationToken.None, TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default);
    }
}
