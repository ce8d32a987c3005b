using System;
using System.Collections.Concurrent;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Block;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// An NBD client for one export (doc/proto.md): fixed newstyle negotiation with NBD_OPT_GO
    /// (asking for the block sizes, so it honours them), then READ, WRITE and FLUSH with simple
    /// replies, several requests in flight at once matched to their replies by cookie. Requests
    /// larger than the server's maximum payload are split. The module uses it to reach the LUNs
    /// of sessions the agent holds; any NBD server will do (qemu-nbd, nbdkit).
    /// Replies are read on a thread of its own with blocking reads, and requests written
    /// synchronously by their callers: nothing on the stream is ever asynchronous, which would
    /// turn the socket non-blocking for good and cost an epoll wake-up and a thread-pool
    /// hand-off for every piece of a large read's data (a LUN copied through the agent ran at
    /// half the speed of nbdcopy from the same export).
    /// </summary>
    public sealed class NbdClient : IBlockDevice
    {
        /// <summary>The largest payload to send when the server names none (doc/proto.md: 32 MiB is safe).</summary>
        public const uint DefaultMaximumPayload = 32 << 20;
        /// <summary>The most option data a handshake reply may carry here (information and messages are small).</summary>
        const int MaxOptionReplyLength = 64 * 1024;

        readonly Stream stream;
        readonly NbdExportInfo info;
        readonly uint maximumPayload;
        readonly NbdInbox inbox;
        readonly object sending = new();
        readonly byte[] requestHeader = new byte[NbdMagic.RequestLength];
        readonly ConcurrentDictionary<ulong, Pending> pending = new();
        readonly Thread receiving;
        long nextCookie;
        volatile Exception? failure;
        int disposed;

        NbdClient(Stream stream, NbdInbox inbox, string exportName, NbdExportInfo info)
        {
            this.stream = stream;
            this.inbox = inbox;
            this.info = info;
            ExportName = exportName;
            BlockSize = info.MinimumBlockSize == 0 ? 1 : info.MinimumBlockSize;
            BlockCount = info.Size / BlockSize;
            var most = info.MaximumPayload == 0 ? DefaultMaximumPayload : Math.Min(info.MaximumPayload, DefaultMaximumPayload);
            maximumPayload = Math.Max(BlockSize, most / BlockSize * BlockSize);
            receiving = new Thread(Receive) { IsBackground = true, Name = "NBD client replies" };
            receiving.Start();
        }

        public string ExportName { get; }
        public NbdExportInfo Export => info;
        public uint BlockSize { get; }
        public ulong BlockCount { get; }
        public bool IsReadOnly => info.IsReadOnly;

        /// <summary>
        /// Negotiates <paramref name="exportName"/> on a connected stream (which the client owns
        /// from then on). A refused export is an <see cref="NbdOptionRefusedException"/> with the
        /// server's reply type (NBD_REP_ERR_UNKNOWN, NBD_REP_ERR_POLICY, ...). The handshake runs
        /// on a pool thread with blocking I/O; <paramref name="cancel"/> closes the stream under it.
        /// </summary>
        public static Task<NbdClient> ConnectAsync(Stream stream, string exportName, CancellationToken cancel = default)
        {
            if (stream is null) throw new ArgumentNullException(nameof(stream));
            return Task.Run(() =>
            {
                using var closeOnCancel = cancel.Register(stream.Dispose);
                try
                {
                    return Connect(stream, exportName);
                }
                catch (Exception e) when (cancel.IsCancellationRequested)
                {
                    stream.Dispose();
                    throw new OperationCanceledException("the NBD handshake was cancelled", e, cancel);
                }
                catch
                {
                    stream.Dispose();
                    throw;
                }
            }, CancellationToken.None);
        }

        static NbdClient Connect(Stream stream, string exportName)
        {
            var inbox = new NbdInbox(stream);
            var greeting = new byte[NbdMagic.GreetingLength];
            ReadExactly(inbox, greeting, 0, greeting.Length);
            var serverFlags = NbdClientMessages.ReadGreeting(greeting);
            var clientFlags = NbdClientHandshake.FixedNewstyle
                | ((serverFlags & NbdServerHandshake.NoZeroes) != 0 ? NbdClientHandshake.NoZeroes : NbdClientHandshake.None);
            Write(stream, NbdClientMessages.ClientFlags(clientFlags));
            Write(stream, NbdClientMessages.Go(exportName, NbdInfoType.BlockSize));

            var info = new NbdExportInfo();
            var header = new byte[NbdMagic.OptionReplyHeaderLength];
            while (true)
            {
                ReadExactly(inbox, header, 0, header.Length);
                var r = new NbdReader(header);
                var reply = NbdOptionReply.Read(ref r);
                if (!reply.HasValidMagic) throw new NbdProtocolException("an option reply has a bad magic");
                if (reply.Option != NbdOption.Go) throw new NbdProtocolException($"the server answered {reply.Option} to NBD_OPT_GO");
                if (reply.Length > MaxOptionReplyLength) throw new NbdProtocolException($"an option reply of {reply.Length} bytes is longer than the {MaxOptionReplyLength} accepted");
                var data = new byte[reply.Length];
                ReadExactly(inbox, data, 0, data.Length);
                if (reply.IsError) throw new NbdOptionRefusedException(NbdOption.Go, reply.Type, MessageOf(data));
                if (reply.Type == NbdOptionReplyType.Info) NbdClientMessages.ReadInfo(data, ref info);
                else if (reply.Type == NbdOptionReplyType.Ack) break;
                else throw new NbdProtocolException($"the server answered NBD_OPT_GO with {reply.Type}");
            }
            if (!info.HasExport) throw new NbdProtocolException("the server accepted NBD_OPT_GO without NBD_INFO_EXPORT (the export's size)");
            return new NbdClient(stream, inbox, exportName, info);
        }

        public async ValueTask ReadAsync(ulong lba, Memory<byte> buffer, CancellationToken cancel = default)
        {
            if (!MemoryMarshal.TryGetArray<byte>(buffer, out var segment)) throw new ArgumentException("the buffer must be backed by an array", nameof(buffer));
            var offset = checked(lba * BlockSize);
            for (var done = 0; done < segment.Count;)
            {
                var length = (int)Math.Min(maximumPayload, (uint)(segment.Count - done));
                await RunAsync(NbdCommand.Read, offset + (ulong)done, new ArraySegment<byte>(segment.Array!, segment.Offset + done, length), cancel).ConfigureAwait(false);
                done += length;
            }
        }

        public async ValueTask WriteAsync(ulong lba, ReadOnlyMemory<byte> data, CancellationToken cancel = default)
        {
            if (IsReadOnly) throw new NbdException(NbdError.NotPermitted, $"export {ExportName} is read-only");
            if (!MemoryMarshal.TryGetArray(data, out var segment)) throw new ArgumentException("the data must be backed by an array", nameof(data));
            var offset = checked(lba * BlockSize);
            for (var done = 0; done < segment.Count;)
            {
                var length = (int)Math.Min(maximumPayload, (uint)(segment.Count - done));
                await RunAsync(NbdCommand.Write, offset + (ulong)done, new ArraySegment<byte>(segment.Array!, segment.Offset + done, length), cancel).ConfigureAwait(false);
                done += length;
            }
        }

        /// <summary>NBD_CMD_FLUSH where the export takes it; an export that does not cache has nothing to flush.</summary>
        public async Task FlushAsync(CancellationToken cancel = default)
        {
            if ((info.Flags & NbdExportFeatures.SendFlush) == 0) return;
            await RunAsync(NbdCommand.Flush, 0, default, cancel).ConfigureAwait(false);
        }

        /// <summary>
        /// Sends one request and waits for its reply. NBD cannot abort a request, so once sent it
        /// is waited for even when <paramref name="cancel"/> fires: its reply may still write into
        /// the caller's buffer, which must not be given back before that.
        /// </summary>
        async Task RunAsync(NbdCommand command, ulong offset, ArraySegment<byte> data, CancellationToken cancel)
        {
            if (failure is { } failed) throw Failed(failed);
            cancel.ThrowIfCancellationRequested();
            var cookie = (ulong)Interlocked.Increment(ref nextCookie);
            var request = new Pending(command == NbdCommand.Read ? data : default);
            pending[cookie] = request;
            try
            {
                // A write blocks only while the server reads more slowly than we send; closing the stream ends it.
                lock (sending)
                {
                    NbdClientMessages.WriteRequest(requestHeader, command, cookie, offset, (uint)data.Count);
                    stream.Write(requestHeader, 0, requestHeader.Length);
                    if (command == NbdCommand.Write) stream.Write(data.Array!, data.Offset, data.Count);
                }
            }
            catch (Exception e)
            {
                Fail(Volatile.Read(ref disposed) != 0 ? new ObjectDisposedException(nameof(NbdClient)) : e);
            }
            var error = await request.Done.Task.ConfigureAwait(false);
            if (error != NbdError.None)
                throw new NbdException(error, $"the NBD server answered {command} of {data.Count} bytes at offset {offset} of {ExportName} with {Describe(error)}");
        }

        /// <summary>Reads replies and hands each to its request; a reply that breaks the protocol ends the connection.</summary>
        void Receive()
        {
            var header = new byte[NbdMagic.SimpleReplyLength];
            try
            {
                while (true)
                {
                    ReadExactly(inbox, header, 0, header.Length);
                    var r = new NbdReader(header);
                    var reply = NbdSimpleReply.Read(ref r);
                    if (!reply.HasValidMagic)
                        throw new NbdProtocolException(reply.Magic == NbdMagic.StructuredReply
                            ? "the server sent a structured reply that was not negotiated"
                            : $"a reply has a bad magic 0x{reply.Magic:x8}");
                    if (!pending.TryRemove(reply.Cookie, out var request)) throw new NbdProtocolException($"the server answered cookie {reply.Cookie}, which no request has");
                    if (reply.Error == NbdError.None && request.ReadInto.Count > 0)
                        ReadExactly(inbox, request.ReadInto.Array!, request.ReadInto.Offset, request.ReadInto.Count);
                    request.Done.TrySetResult(reply.Error);
                }
            }
            catch (Exception e)
            {
                Fail(Volatile.Read(ref disposed) != 0 ? new ObjectDisposedException(nameof(NbdClient)) : e);
            }
        }

        /// <summary>Ends the connection for every request waiting, and for later ones, with why.</summary>
        void Fail(Exception why)
        {
            failure ??= why;
            try { stream.Dispose(); }
            catch (IOException) { }
            foreach (var cookie in pending.Keys)
                if (pending.TryRemove(cookie, out var request)) request.Done.TrySetException(Failed(why));
        }

        static Exception Failed(Exception why) =>
            why is ObjectDisposedException ? why : new IOException($"the NBD connection was lost: {why.Message}", why);

        /// <summary>Says goodbye (NBD_CMD_DISC) when nothing is in flight and closes the connection.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            if (failure is null && pending.IsEmpty && Monitor.TryEnter(sending, TimeSpan.FromSeconds(1)))
            {
                try
                {
                    NbdClientMessages.WriteRequest(requestHeader, NbdCommand.Disconnect, 0, 0, 0);
                    stream.Write(requestHeader, 0, requestHeader.Length);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    // the server is gone already: nothing to say goodbye to
                }
                finally
                {
                    Monitor.Exit(sending);
                }
            }
            Fail(new ObjectDisposedException(nameof(NbdClient)));
            receiving.Join(TimeSpan.FromSeconds(5));
        }

        static string Describe(NbdError error) => error switch
        {
            NbdError.NotPermitted => "EPERM (the export is read-only)",
            NbdError.IO => "EIO (the storage behind the export failed)",
            NbdError.NoMemory => "ENOMEM",
            NbdError.Invalid => "EINVAL (the request does not fit the export)",
            NbdError.NoSpace => "ENOSPC (past the end of the export)",
            NbdError.Overflow => "EOVERFLOW (the request is too large)",
            NbdError.NotSupported => "ENOTSUP",
            NbdError.Shutdown => "ESHUTDOWN (the server is shutting down)",
            _ => $"error {(uint)error}",
        };

        static string MessageOf(byte[] data)
        {
            try { return new UTF8Encoding(false, true).GetString(data).Trim(); }
            catch (DecoderFallbackException) { return ""; }
        }

        static void Write(Stream stream, byte[] bytes) => stream.Write(bytes, 0, bytes.Length);

        static void ReadExactly(NbdInbox inbox, byte[] buffer, int offset, int count)
        {
            if (!inbox.TryRead(buffer, offset, count)) throw new EndOfStreamException($"the NBD server closed the connection before a {count}-byte message");
        }

        /// <summary>A request waiting for its reply: where a READ's data goes, and the error the reply carried.</summary>
        sealed class Pending
        {
            public Pending(ArraySegment<byte> readInto) => ReadInto = readInto;

            public ArraySegment<byte> ReadInto { get; }
            public TaskCompletionSource<NbdError> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
