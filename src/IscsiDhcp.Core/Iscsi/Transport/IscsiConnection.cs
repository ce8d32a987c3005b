using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Common;

namespace IscsiDhcp.Iscsi.Transport
{
    /// <summary>
    /// One TCP connection carrying PDUs: header and data digests when negotiated, data
    /// segments padded to four bytes, AHS skipped. Reading is split into header and data
    /// so the caller can land a data segment straight in its own buffer. Sends are
    /// serialized; reads belong to one reader at a time (the session's receive loop).
    /// </summary>
    public sealed class IscsiConnection : IDisposable
    {
        static readonly byte[] Zeros = new byte[4];

        // Reads go through a PduReader; writes go straight to the socket, each PDU (or batch of
        // PDUs) in one gather write (one buffered stream for both would serialize a pending read
        // with writes).
        readonly PduReader input;
        readonly Stream output;
        readonly Socket? socket;
        readonly SemaphoreSlim sendLock = new(1, 1);
        // Sending and receiving run at the same time: each has its own scratch bytes.
        readonly byte[] digestScratch = new byte[4];
        readonly byte[] ahsScratch = new byte[1020];
        // What one write sends: pieces of gatherBytes (headers, digests, padding) and data segments.
        readonly List<ArraySegment<byte>> gather = new();
        byte[] gatherBytes = new byte[64 * (Bhs.Length + 4 + 3 + 4)];
        readonly ReadOnlyMemory<byte>[] oneSegment = new ReadOnlyMemory<byte>[1];

        /// <summary>A connection over an already-open duplex stream (a test's fake target, a TLS stream).</summary>
        public IscsiConnection(Stream stream, EndPoint? remote = null)
            : this(stream, stream, remote)
        {
        }

        IscsiConnection(Stream input, Stream output, EndPoint? remote, Socket? socket = null)
        {
            this.input = new PduReader(input, socket);
            this.output = output;
            this.socket = socket;
            RemoteEndPoint = remote;
        }

        IscsiConnection(Socket socket, NetworkStream network)
            : this(network, network, socket.RemoteEndPoint, socket)
        {
        }

        public EndPoint? RemoteEndPoint { get; }
        public bool HeaderDigest { get; set; }
        public bool DataDigest { get; set; }

        /// <summary>
        /// Called on the reading thread before each read from the socket, any of which may block:
        /// the receive loop hands the completions it has gathered to the dispatcher (it tells them
        /// itself between PDUs; this is for a read in the middle of one).
        /// </summary>
        public Action? BeforeReceive
        {
            get => input.BeforeReceive;
            set => input.BeforeReceive = value;
        }

        /// <summary>
        /// Whether the next PDU (header, AHS, digests, data segment and padding) is already
        /// buffered whole, so reading it will not ask the socket and cannot block.
        /// </summary>
        public bool NextPduBuffered
        {
            get
            {
                var buffered = input.Buffered;
                if (buffered.Length < Bhs.Length) return false;
                var length = Bhs.DataSegmentLength(buffered);
                var whole = Bhs.Length + Bhs.TotalAhsLength(buffered) + (HeaderDigest ? 4 : 0)
                    + (length > 0 ? length + Bhs.Padding(length) + (DataDigest ? 4 : 0) : 0);
                return buffered.Length >= whole;
            }
        }

        /// <summary>The largest data segment we accept; a longer one is a protocol error, never an allocation.</summary>
        public int MaxRecvDataSegmentLength { get; set; } = 8192;

        /// <summary>
        /// Connects to a portal, trying every address its host resolves to in turn, each
        /// bounded by <paramref name="timeout"/>; sets TCP_NODELAY and keep-alive.
        /// </summary>
        public static async Task<IscsiConnection> ConnectAsync(TargetAddress portal, TimeSpan timeout, CancellationToken cancel)
        {
            IPAddress[] addresses;
            if (IPAddress.TryParse(portal.Host, out var literal)) addresses = new[] { literal };
            else
            {
                try { addresses = await Dns.GetHostAddressesAsync(portal.Host).ConfigureAwait(false); }
                catch (SocketException e) { throw new IscsiConnectException(portal, $"cannot resolve {portal.Host}: {e.Message}", e); }
            }
            var failures = new List<string>();
            foreach (var address in addresses)
            {
                cancel.ThrowIfCancellationRequested();
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                try
                {
                    // A blocking connect on a pool thread, not ConnectAsync: any asynchronous
                    // operation switches the socket to non-blocking mode for good, and .NET then
                    // emulates every blocking read with epoll and a wake-up of the reading
                    // thread, which halved the throughput of the receive loop.
                    var endpoint = new IPEndPoint(address, portal.Port);
                    var connect = Task.Run(() => socket.Connect(endpoint), CancellationToken.None);
                    using (var timer = CancellationTokenSource.CreateLinkedTokenSource(cancel))
                    {
                        timer.CancelAfter(timeout);
                        if (!await connect.CompletesBeforeAsync(timer.Token).ConfigureAwait(false))
                        {
                            socket.Dispose();   // ends the blocked connect
                            _ = connect.ContinueWith(t => GC.KeepAlive(t.Exception), TaskScheduler.Default);
                            cancel.ThrowIfCancellationRequested();
                            throw new TimeoutException($"no answer within {timeout.TotalSeconds:0.#} s");
                        }
                    }
                    await connect.ConfigureAwait(false);
                    return new IscsiConnection(socket, new NetworkStream(socket, ownsSocket: true));
                }
                catch (Exception e) when (e is SocketException or TimeoutException)
                {
                    socket.Dispose();
                    failures.Add($"{address}: {e.Message}");
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            throw new IscsiConnectException(portal, $"cannot connect to {portal.Endpoint}: {string.Join("; ", failures)}");
        }

        /// <summary>
        /// Sends one PDU: a 48-byte header (with its digest) and an optional data segment
        /// (padded, with its digest), in one write. Waiting for the turn to send is asynchronous;
        /// the send itself is a blocking write (see <see cref="ConnectAsync"/> for why), bounded
        /// by the socket buffer and ended by closing the connection; <paramref name="cancel"/>
        /// only stops the wait.
        /// </summary>
        public async Task SendAsync(byte[] bhs, ReadOnlyMemory<byte> data, CancellationToken cancel)
        {
            await sendLock.WaitAsync(cancel).ConfigureAwait(false);
            try { WriteOne(bhs, data); }
            finally { sendLock.Release(); }
        }

        /// <summary>Sends one PDU as <see cref="SendAsync"/> does, waiting for the turn to send in place.</summary>
        public void Send(byte[] bhs, ReadOnlyMemory<byte> data)
        {
            sendLock.Wait();
            try { WriteOne(bhs, data); }
            finally { sendLock.Release(); }
        }

        void WriteOne(byte[] bhs, ReadOnlyMemory<byte> data)
        {
            oneSegment[0] = data;
            try { WritePdus(bhs, 1, oneSegment); }
            finally { oneSegment[0] = default; }
        }

        /// <summary>
        /// Sends <paramref name="count"/> data-less PDUs whose headers lie one after another in
        /// <paramref name="headers"/>, in one write: commands queued together cost one system call.
        /// </summary>
        public void SendHeaders(byte[] headers, int count) => Send(headers, count, null);

        /// <summary>
        /// Sends <paramref name="count"/> PDUs in one write: headers one after another in
        /// <paramref name="headers"/>, and for each the data segment in <paramref name="data"/>
        /// (empty, or shorter than <paramref name="count"/>, for none). A target may read each
        /// PDU with one receive and take a PDU split over two writes for a broken peer.
        /// </summary>
        public void Send(byte[] headers, int count, ReadOnlyMemory<byte>[]? data)
        {
            sendLock.Wait();
            try { WritePdus(headers, count, data); }
            finally { sendLock.Release(); }
        }

        /// <summary>
        /// Gathers the PDUs (headers, digests and padding copied into one scratch buffer, data
        /// segments by reference) and writes them with one system call: a gather write on a
        /// socket, one copy into a pooled buffer on any other stream.
        /// </summary>
        void WritePdus(byte[] headers, int count, ReadOnlyMemory<byte>[]? data)
        {
            var perPdu = Bhs.Length + 4 + 3 + 4;   // header, its digest, padding, data digest
            if (gatherBytes.Length < count * perPdu) gatherBytes = new byte[count * perPdu];
            gather.Clear();
            var used = 0;
            var total = 0;
            for (var i = 0; i < count; i++)
            {
                var at = used;
                Buffer.BlockCopy(headers, i * Bhs.Length, gatherBytes, used, Bhs.Length);
                used += Bhs.Length;
                if (HeaderDigest)
                {
                    WriteDigest(gatherBytes, used, Crc32C.Compute(gatherBytes.AsSpan(at, Bhs.Length)));
                    used += 4;
                }
                var segment = data is not null && i < data.Length ? data[i] : default;
                if (segment.Length > 0)
                {
                    AddScratch(at, used - at);
                    gather.Add(ArrayOf(segment));
                    at = used;
                    var padding = Bhs.Padding(segment.Length);
                    Array.Clear(gatherBytes, used, padding);
                    used += padding;
                    if (DataDigest)
                    {
                        var crc = Crc32C.Append(Crc32C.Start, segment.Span);
                        crc = Crc32C.Finish(Crc32C.Append(crc, Zeros.AsSpan(0, padding)));
                        WriteDigest(gatherBytes, used, crc);
                        used += 4;
                    }
                    total += segment.Length;
                }
                AddScratch(at, used - at);
            }
            total += used;
            if (gather.Count == 1)
            {
                var only = gather[0];
                if (socket is null) output.Write(only.Array!, only.Offset, only.Count);
                else SocketSend(only);
            }
            else if (socket is null)
            {
                var joined = System.Buffers.ArrayPool<byte>.Shared.Rent(total);
                try
                {
                    var at = 0;
                    foreach (var part in gather)
                    {
                        Buffer.BlockCopy(part.Array!, part.Offset, joined, at, part.Count);
                        at += part.Count;
                    }
                    output.Write(joined, 0, total);
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(joined);
                }
            }
            else
            {
                int sent;
                try { sent = socket.Send(gather); }
                catch (SocketException e) { throw new IOException($"Unable to write data to the transport connection: {e.Message}", e); }
                // A blocking socket sends all of it or fails; anything else would split a PDU.
                if (sent != total) throw new IOException($"the socket took {sent} of {total} bytes");
            }
            output.Flush();
            gather.Clear();
        }

        /// <summary>Adds [start, start+length) of the scratch buffer to the gather list, joined to the previous piece when it follows it.</summary>
        void AddScratch(int start, int length)
        {
            if (length == 0) return;
            var last = gather.Count - 1;
            if (last >= 0 && gather[last].Array == gatherBytes && gather[last].Offset + gather[last].Count == start)
                gather[last] = new ArraySegment<byte>(gatherBytes, gather[last].Offset, gather[last].Count + length);
            else
                gather.Add(new ArraySegment<byte>(gatherBytes, start, length));
        }

        void SocketSend(ArraySegment<byte> bytes)
        {
            try
            {
                var offset = bytes.Offset;
                var end = bytes.Offset + bytes.Count;
                while (offset < end) offset += socket!.Send(bytes.Array!, offset, end - offset, SocketFlags.None);
            }
            catch (SocketException e)
            {
                throw new IOException($"Unable to write data to the transport connection: {e.Message}", e);
            }
        }

        /// <summary>
        /// Reads the next PDU's header into <paramref name="bhs"/> (48 bytes), skipping any
        /// AHS and checking the header digest and the data segment length. Blocks.
        /// </summary>
        public void ReadHeader(byte[] bhs)
        {
            ReadExactly(bhs, 0, Bhs.Length);
            var ahs = Bhs.TotalAhsLength(bhs);
            if (ahs > 0) ReadExactly(ahsScratch, 0, ahs);
            if (HeaderDigest)
            {
                // Computed only when negotiated: at 4 KiB reads the CRC of every header was 1 % of the initiator's CPU.
                var crc = Crc32C.Append(Crc32C.Start, bhs.AsSpan(0, Bhs.Length));
                if (ahs > 0) crc = Crc32C.Append(crc, ahsScratch.AsSpan(0, ahs));
                ReadExactly(digestScratch, 0, 4);
                if (ReadDigest(digestScratch) != Crc32C.Finish(crc)) throw new IscsiDigestException("header digest mismatch");
            }
            var length = Bhs.DataSegmentLength(bhs);
            if (length > MaxRecvDataSegmentLength)
                throw new IscsiProtocolException($"{Bhs.Opcode(bhs)} PDU with a {length}-byte data segment; we accept at most {MaxRecvDataSegmentLength}");
            input.NoteSegment(length);
        }

        /// <summary>Reads a data segment of exactly <c>destination.Length</c> bytes, its padding and its digest.</summary>
        public void ReadData(Memory<byte> destination)
        {
            if (MemoryMarshal.TryGetArray<byte>(destination, out var segment)) ReadExactly(segment.Array!, segment.Offset, segment.Count);
            else ReadThroughScratch(destination.Span);
            var padding = Bhs.Padding(destination.Length);
            if (padding > 0) ReadExactly(digestScratch, 0, padding);
            if (DataDigest && destination.Length > 0)
            {
                var crc = Crc32C.Append(Crc32C.Start, destination.Span);
                crc = Crc32C.Finish(Crc32C.Append(crc, digestScratch.AsSpan(0, padding)));
                ReadExactly(digestScratch, 0, 4);
                if (ReadDigest(digestScratch) != crc) throw new IscsiDigestException("data digest mismatch");
            }
        }

        /// <summary>
        /// Fills memory that no array backs (native or mapped memory behind a MemoryManager): the
        /// reader takes arrays, so the bytes pass through a pooled buffer, a piece at a time.
        /// </summary>
        void ReadThroughScratch(Span<byte> destination)
        {
            var scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(destination.Length, 64 * 1024));
            try
            {
                while (destination.Length > 0)
                {
                    var n = Math.Min(destination.Length, scratch.Length);
                    ReadExactly(scratch, 0, n);
                    scratch.AsSpan(0, n).CopyTo(destination);
                    destination = destination.Slice(n);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        /// <summary>Reads and discards a data segment (and checks its digest).</summary>
        public void SkipData(int length)
        {
            if (length == 0) return;
            var scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
            try { ReadData(scratch.AsMemory(0, length)); }
            finally { System.Buffers.ArrayPool<byte>.Shared.Return(scratch); }
        }

        /// <summary>
        /// Blocking reads: the session reads on a thread of its own, and a login bounds its
        /// reads by closing the connection when its deadline passes.
        /// </summary>
        void ReadExactly(byte[] buffer, int offset, int count) => input.ReadExactly(buffer, offset, count);

        /// <summary>The array under memory to send, or a copy of memory that has none (sending reads it, so a copy loses nothing).</summary>
        static ArraySegment<byte> ArrayOf(ReadOnlyMemory<byte> memory) =>
            MemoryMarshal.TryGetArray(memory, out var segment) ? segment : new ArraySegment<byte>(memory.ToArray());

        // Digests travel least significant byte first (RFC 3720 appendix B.4).
        static void WriteDigest(byte[] buffer, int offset, uint crc) =>
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(offset), crc);

        static uint ReadDigest(byte[] buffer) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(buffer);

        /// <summary>Closes the connection at once; pending reads and writes fail.</summary>
        public void Dispose()
        {
            try { socket?.Shutdown(SocketShutdown.Both); }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
            input.Dispose();
            output.Dispose();
        }
    }
}
