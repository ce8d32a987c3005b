using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// One client of an <see cref="NbdServer"/>, on a thread of its own with blocking reads: the
    /// handshake, then a reader loop that checks each request and starts it; replies go out
    /// through an <see cref="NbdReplyWriter"/> as requests finish (in any order, as the protocol
    /// allows). Memory is bounded by the request and byte budgets taken before a payload is read
    /// or a read buffer rented. Nothing here is asynchronous on the stream: one asynchronous
    /// operation turns the socket non-blocking for good, and every blocking read after it then
    /// costs an epoll wake-up and a thread hand-off.
    /// </summary>
    sealed class NbdConnection : IDisposable
    {
        const int DiscardChunk = 64 << 10;
        static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

        readonly NbdServer server;
        readonly NbdServerOptions options;
        readonly NbdServerCounters counters;
        readonly Stream stream;
        readonly NbdInbox inbox;
        readonly NbdAccess access;
        readonly byte[] header = new byte[NbdMagic.RequestLength];
        readonly SemaphoreSlim requestSlots;
        readonly ByteBudget budget;
        // Cancels the I/O of requests in flight: on a hard disconnect, the client's going, or the server's shutdown.
        readonly CancellationTokenSource requests = new();
        // Requests started and not yet replied to (their reply written, or given up); pulsed on gate when it reaches 0.
        readonly object gate = new();
        int inFlight;
        NbdReplyWriter? writer;
        bool structured, noZeroes;
        NbdExport? export;
        NbdExportLimits limits;

        public NbdConnection(NbdServer server, Stream stream, NbdAccess access)
        {
            this.server = server;
            options = server.Options;
            counters = server.Counters;
            this.stream = stream;
            inbox = new NbdInbox(stream);
            this.access = access;
            requestSlots = new SemaphoreSlim(options.MaxRequestsInFlight, options.MaxRequestsInFlight);
            budget = new ByteBudget(options.MaxBytesInFlight);
        }

        /// <summary>Serves the connection on a thread of its own; the task ends when it is closed and nothing is in flight.</summary>
        public Task RunAsync(CancellationToken cancel)
        {
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(() =>
            {
                try
                {
                    Run(cancel);
                    done.SetResult(true);
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            }) { IsBackground = true, Name = "NBD connection" }.Start();
            return done.Task;
        }

        void Run(CancellationToken cancel)
        {
            var softDisconnect = false;
            try
            {
                using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancel))
                {
                    // A blocking read ends only when the stream is closed under it.
                    var closeOnExpiry = handshake.Token.Register(stream.Dispose);
                    handshake.CancelAfter(options.HandshakeTimeout);
                    try
                    {
                        export = Handshake(handshake.Token);
                    }
                    catch (Exception e) when (handshake.IsCancellationRequested)
                    {
                        GC.KeepAlive(e);   // the stream was closed under the read (which may also just see the end of it)
                    }
                    finally
                    {
                        closeOnExpiry.Dispose();   // waits for the callback if it is running
                    }
                    if (handshake.IsCancellationRequested)
                    {
                        // A client that never finishes the handshake holds a connection for nothing.
                        if (!cancel.IsCancellationRequested) counters.ProtocolViolation();
                        return;
                    }
                }
                if (export is null) return;
                writer = new NbdReplyWriter(stream, Written, WriteFailed);
                using (cancel.Register(BeginShutdown))
                    softDisconnect = Transmit();
            }
            catch (Exception e) when (IsConnectionGone(e))
            {
                // The client went away (or the server is shutting down): nothing to tell anyone.
            }
            finally
            {
                // NBD_CMD_DISC: finish what is in flight. Otherwise (gone, violation, shutdown) stop it.
                if (!softDisconnect) requests.Cancel();
                WaitForReplies(Timeout.InfiniteTimeSpan);
                writer?.Complete();
                export?.Dispose();
                stream.Dispose();
            }
        }

        /// <summary>
        /// The server is shutting down: requests in flight are cancelled (their replies say
        /// NBD_ESHUTDOWN), and once those are written, or <see cref="ShutdownGrace"/> has passed
        /// for a client that does not read them, the stream is closed, which ends the reader.
        /// </summary>
        void BeginShutdown()
        {
            requests.Cancel();
            ThreadPool.QueueUserWorkItem(_ =>
            {
                WaitForReplies(ShutdownGrace);
                stream.Dispose();
            });
        }

        void WaitForReplies(TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            lock (gate)
            {
                while (inFlight > 0)
                {
                    if (timeout == Timeout.InfiniteTimeSpan) Monitor.Wait(gate);
                    else if (until <= DateTime.UtcNow || !Monitor.Wait(gate, until - DateTime.UtcNow)) return;
                }
            }
        }

        /// <summary>After <see cref="RunAsync"/> has ended: nothing is in flight any more.</summary>
        public void Dispose()
        {
            requests.Dispose();
            requestSlots.Dispose();
        }

        static bool IsConnectionGone(Exception e) => e is IOException or ObjectDisposedException or OperationCanceledException;

        // ---- handshake ----

        /// <summary>Option haggling; the export to serve, or null when the connection is to end.</summary>
        NbdExport? Handshake(CancellationToken cancel)
        {
            Send(NbdMessages.Greeting(NbdServerHandshake.FixedNewstyle | NbdServerHandshake.NoZeroes));
            var flagBytes = new byte[NbdMagic.ClientFlagsLength];
            if (!inbox.TryRead(flagBytes, 0, flagBytes.Length)) return null;
            var clientFlags = (NbdClientHandshake)new NbdReader(flagBytes).U32();
            if ((clientFlags & ~(NbdClientHandshake.FixedNewstyle | NbdClientHandshake.NoZeroes)) != 0)
            {
                counters.ProtocolViolation();   // the protocol: the server MUST drop a client that sets unknown flags
                return null;
            }
            noZeroes = (clientFlags & NbdClientHandshake.NoZeroes) != 0;

            var optionHeader = new byte[NbdMagic.OptionHeaderLength];
            for (var count = 0; ; count++)
            {
                if (!inbox.TryRead(optionHeader, 0, optionHeader.Length)) return null;
                var reader = new NbdReader(optionHeader);
                var option = NbdOptionHeader.Read(ref reader);
                if (!option.HasValidMagic || count >= options.MaxOptions)
                {
                    counters.ProtocolViolation();   // out of step with the client (or an endless haggler): nothing to reply to
                    return null;
                }
                if (option.Length > (uint)options.MaxOptionLength)
                {
                    // Skip the data to stay in step and say it was too big; beyond the discard bound, or where no error can be sent, drop.
                    if (option.Length > (uint)options.MaxDiscard || option.Option == NbdOption.ExportName)
                    {
                        counters.ProtocolViolation();
                        return null;
                    }
                    Discard(option.Length);
                    RejectOption(option.Option, NbdOptionReplyType.ErrorTooBig, $"{option.Length} bytes of option data is more than {options.MaxOptionLength}");
                    continue;
                }
                var data = new byte[option.Length];
                if (data.Length > 0 && !inbox.TryRead(data, 0, data.Length)) throw new EndOfStreamException("the client closed the connection within an option");

                switch (option.Option)
                {
                    case NbdOption.ExportName:
                    {
                        if (access == NbdAccess.ListOnly)
                        {
                            counters.PolicyRefusal();   // EXPORT_NAME has no error reply: the session ends
                            return null;
                        }
                        var nameReader = new NbdReader(data);
                        var name = nameReader.Text((uint)data.Length, "the export name");
                        (NbdExport? Export, NbdError Why) chosen = nameReader.Failed ? (null, NbdError.Invalid) : TryOpen(name, cancel);
                        if (chosen.Export is null)
                        {
                            counters.RejectedOption();   // the protocol has no error for EXPORT_NAME: the session ends
                            return null;
                        }
                        Negotiate(chosen.Export);
                        Send(NbdMessages.ExportNameReply(limits.Size, limits.Flags, noZeroes));
                        return chosen.Export;
                    }
                    case NbdOption.Abort:
                        Send(NbdMessages.OptionReply(option.Option, NbdOptionReplyType.Ack));
                        return null;
                    case NbdOption.List:
                        List(data.Length, cancel);
                        break;
                    case NbdOption.StructuredReply:
                        if (data.Length != 0 || structured)
                        {
                            RejectOption(option.Option, NbdOptionReplyType.ErrorInvalid,
                                structured ? "structured replies are already negotiated" : "NBD_OPT_STRUCTURED_REPLY carries no data");
                            break;
                        }
                        structured = true;
                        Send(NbdMessages.OptionReply(option.Option, NbdOptionReplyType.Ack));
                        break;
                    case NbdOption.Info:
                    case NbdOption.Go:
                    {
                        var chosen = Info(option.Option, data, cancel);
                        if (chosen is null) break;
                        if (option.Option == NbdOption.Go) return chosen;
                        chosen.Dispose();
                        break;
                    }
                    default:
                        // STARTTLS, metadata contexts, extended headers, and options this server has never heard of.
                        RejectOption(option.Option, NbdOptionReplyType.ErrorUnsupported, $"option {(uint)option.Option} is not supported");
                        break;
                }
            }
        }

        void List(int dataLength, CancellationToken cancel)
        {
            if (dataLength != 0)
            {
                RejectOption(NbdOption.List, NbdOptionReplyType.ErrorInvalid, "NBD_OPT_LIST carries no data");
                return;
            }
            System.Collections.Generic.IReadOnlyList<NbdExportEntry> entries;
            try
            {
                entries = server.Catalog.ListAsync(cancel).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                RejectOption(NbdOption.List, NbdOptionReplyType.ErrorPlatform, $"the exports cannot be listed: {e.Message}");
                return;
            }
            foreach (var entry in entries)
                Send(NbdMessages.ServerEntry(entry.Name, entry.Description));
            Send(NbdMessages.OptionReply(NbdOption.List, NbdOptionReplyType.Ack));
        }

        /// <summary>NBD_OPT_INFO / NBD_OPT_GO: the export's information then ACK, or an error; the opened export on success.</summary>
        NbdExport? Info(NbdOption option, byte[] data, CancellationToken cancel)
        {
            var query = NbdExportQuery.Parse(data, out var error);
            if (query is null)
            {
                RejectOption(option, NbdOptionReplyType.ErrorInvalid, error!);
                return null;
            }
            if (access == NbdAccess.ListOnly)
            {
                counters.PolicyRefusal();
                RejectOption(option, NbdOptionReplyType.ErrorPolicy,
                    $"'{query.Name}': this connection may list the exports but not open them (opening needs privilege)");
                return null;
            }
            var (chosen, why) = TryOpen(query.Name, cancel);
            if (chosen is null)
            {
                RejectOption(option, why == NbdError.Shutdown ? NbdOptionReplyType.ErrorShutdown : NbdOptionReplyType.ErrorUnknown,
                    $"no export named '{query.Name}'" + (why == NbdError.None ? "" : $" can be opened now ({why})"));
                return null;
            }
            try
            {
                Negotiate(chosen);
                Send(NbdMessages.InfoExport(option, limits.Size, limits.Flags));
                // Sent whether asked or not (the protocol allows it): a client that did not ask still learns the constraints.
                Send(NbdMessages.InfoBlockSize(option, limits.MinimumBlockSize, Math.Max(chosen.PreferredBlockSize, limits.MinimumBlockSize), limits.MaximumPayload));
                if (query.Requested(NbdInfoType.Name))
                    Send(NbdMessages.InfoText(option, NbdInfoType.Name, chosen.Name));
                if (query.Requested(NbdInfoType.Description) && chosen.Description is { } description)
                    Send(NbdMessages.InfoText(option, NbdInfoType.Description, description));
                Send(NbdMessages.OptionReply(option, NbdOptionReplyType.Ack));
                return chosen;
            }
            catch
            {
                chosen.Dispose();
                throw;
            }
        }

        (NbdExport? Export, NbdError Why) TryOpen(string name, CancellationToken cancel)
        {
            try
            {
                return (server.Catalog.OpenAsync(name, cancel).GetAwaiter().GetResult(), NbdError.None);
            }
            catch (NbdException e)
            {
                return (null, e.Error);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return (null, NbdError.IO);
            }
        }

        /// <summary>What this connection may do with <paramref name="chosen"/>: the transmission flags and the limits requests are checked against.</summary>
        void Negotiate(NbdExport chosen)
        {
            var readOnly = chosen.IsReadOnly || access != NbdAccess.ReadWrite;
            var flags = NbdExportFeatures.HasFlags;
            if (readOnly) flags |= NbdExportFeatures.ReadOnly;
            if (chosen.CanFlush) flags |= NbdExportFeatures.SendFlush | NbdExportFeatures.SendFua;   // FUA is write then flush
            if (!readOnly)
            {
                flags |= NbdExportFeatures.SendWriteZeroes;
                if (chosen.CanTrim) flags |= NbdExportFeatures.SendTrim;
            }
            if (structured) flags |= NbdExportFeatures.SendDf;   // every read is one content chunk anyway
            if (chosen.CanMultiConnect) flags |= NbdExportFeatures.CanMultiConn;
            limits = new NbdExportLimits(chosen.Size, chosen.MinimumBlockSize, options.MaximumPayload, flags, structured);
        }

        void RejectOption(NbdOption option, NbdOptionReplyType type, string message)
        {
            counters.RejectedOption();
            Send(NbdMessages.OptionError(option, type, message));
        }

        // ---- transmission ----

        /// <summary>The reader loop; true when the client ended with NBD_CMD_DISC (in-flight requests are then finished, not cancelled).</summary>
        bool Transmit()
        {
            var cancel = requests.Token;
            while (true)
            {
                if (!inbox.TryRead(header, 0, header.Length)) return false;
                var reader = new NbdReader(header);
                var request = NbdRequest.Read(ref reader);
                if (!request.HasValidMagic)
                {
                    counters.ProtocolViolation();   // the stream is out of step: nothing after this can be trusted
                    return false;
                }
                counters.Request();
                if (request.Command == NbdCommand.Disconnect) return true;
                var error = NbdRequestCheck.Check(request, limits);
                if (error != NbdError.None)
                {
                    counters.RejectedRequest();
                    if (request.Command == NbdCommand.Write && request.Length > 0)
                    {
                        if (request.Length > (uint)options.MaxDiscard)
                        {
                            counters.ProtocolViolation();
                            return false;
                        }
                        Discard(request.Length);
                    }
                    requestSlots.Wait(cancel);   // a refused request's reply holds a slot too: a client that sends nothing but errors is bounded
                    Started();
                    Reply(ErrorReply(request, error, Describe(request, error), null, 0));
                    continue;
                }

                var payload = request.Command is NbdCommand.Read or NbdCommand.Write ? (int)request.Length : 0;
                requestSlots.Wait(cancel);
                byte[]? buffer = null;
                var taken = 0;
                try
                {
                    if (payload > 0)
                    {
                        budget.TakeAsync(payload + NbdMessages.OffsetDataHeaderLength, cancel).GetAwaiter().GetResult();
                        taken = payload + NbdMessages.OffsetDataHeaderLength;
                        // Room for the reply header before the data, so a read's reply is one write.
                        buffer = ArrayPool<byte>.Shared.Rent(taken);
                        if (request.Command == NbdCommand.Write && !inbox.TryRead(buffer, NbdMessages.OffsetDataHeaderLength, payload))
                            throw new EndOfStreamException("the client closed the connection within a write's data");
                    }
                }
                catch
                {
                    if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
                    if (taken > 0) budget.Give(taken);
                    requestSlots.Release();
                    throw;
                }
                Started();
                _ = ServeRequestAsync(request, buffer, taken);
            }
        }

        static string Describe(in NbdRequest request, NbdError error) => error switch
        {
            NbdError.NotPermitted => $"{request.Command}: the export is read-only",
            NbdError.NoSpace => $"{request.Command} of {request.Length} bytes at {request.Offset} runs past the end of the export",
            NbdError.Overflow => $"{request.Command} of {request.Length} bytes is more than the maximum payload",
            _ => $"{request.Command} (type {(ushort)request.Command}) with offset {request.Offset}, length {request.Length}, flags 0x{(ushort)request.Flags:X}: invalid here",
        };

        /// <summary>
        /// Carries out a checked request (it holds a request slot and, with a payload, a buffer
        /// with the payload at <see cref="NbdMessages.OffsetDataHeaderLength"/> and that many
        /// bytes of the budget) and queues its reply; the writer gives them back once the reply is out.
        /// </summary>
        async Task ServeRequestAsync(NbdRequest request, byte[]? buffer, int taken)
        {
            NbdReply reply;
            try
            {
                reply = await CarryOutAsync(request, buffer, taken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                counters.FailedRequest();
                var error = e switch
                {
                    NbdException n => n.Error,
                    OperationCanceledException => NbdError.Shutdown,   // the server is shutting down, or the client has gone
                    _ => NbdError.IO,
                };
                reply = ErrorReply(request, error, $"{request.Command} at {request.Offset}: {e.Message}", buffer, taken);
            }
            Reply(reply);
        }

        async ValueTask<NbdReply> CarryOutAsync(NbdRequest request, byte[]? buffer, int taken)
        {
            var cancel = requests.Token;
            var export = this.export!;
            const int at = NbdMessages.OffsetDataHeaderLength;
            var length = (int)request.Length;
            switch (request.Command)
            {
                case NbdCommand.Read:
                    if (length > 0) await export.ReadAsync(request.Offset, buffer.AsMemory(at, length), cancel).ConfigureAwait(false);
                    counters.Read(length);
                    if (length == 0) return structured ? NoneChunk(request.Cookie) : SimpleReply(request.Cookie, NbdError.None, null, 0);
                    if (structured)
                    {
                        NbdMessages.WriteOffsetDataHeader(buffer, true, request.Cookie, request.Offset, (uint)length);
                        return new NbdReply(buffer!, 0, at + length, buffer, taken);
                    }
                    const int simpleAt = at - NbdMagic.SimpleReplyLength;
                    NbdMessages.WriteSimpleReply(buffer.AsSpan(simpleAt), NbdError.None, request.Cookie);
                    return new NbdReply(buffer!, simpleAt, NbdMagic.SimpleReplyLength + length, buffer, taken);
                case NbdCommand.Write:
                    if (length > 0) await export.WriteAsync(request.Offset, buffer.AsMemory(at, length), cancel).ConfigureAwait(false);
                    counters.Written(length);
                    break;
                case NbdCommand.Flush:
                    await export.FlushAsync(cancel).ConfigureAwait(false);
                    break;
                case NbdCommand.Trim:
                    if (request.Length > 0) await export.TrimAsync(request.Offset, request.Length, cancel).ConfigureAwait(false);
                    break;
                case NbdCommand.WriteZeroes:
                    if (request.Length > 0) await export.WriteZeroesAsync(request.Offset, request.Length, cancel).ConfigureAwait(false);
                    break;
            }
            if ((request.Flags & NbdRequestModifiers.Fua) != 0 && export.CanFlush) await export.FlushAsync(cancel).ConfigureAwait(false);
            return SimpleReply(request.Cookie, NbdError.None, buffer, taken);
        }

        /// <summary>An error reply: an error chunk with a message when structured replies are on (required for reads), else a simple reply.</summary>
        NbdReply ErrorReply(in NbdRequest request, NbdError error, string message, byte[]? rented, int taken)
        {
            if (!structured) return SimpleReply(request.Cookie, error, rented, taken);
            var bytes = new byte[NbdMessages.ErrorChunkLength(message)];
            var n = NbdMessages.WriteErrorChunk(bytes, request.Cookie, error, message);
            return new NbdReply(bytes, 0, n, rented, taken);
        }

        static NbdReply SimpleReply(ulong cookie, NbdError error, byte[]? rented, int taken)
        {
            var bytes = new byte[NbdMagic.SimpleReplyLength];
            NbdMessages.WriteSimpleReply(bytes, error, cookie);
            return new NbdReply(bytes, 0, bytes.Length, rented, taken);
        }

        static NbdReply NoneChunk(ulong cookie)
        {
            var bytes = new byte[NbdMagic.StructuredReplyHeaderLength];
            return new NbdReply(bytes, 0, NbdMessages.WriteNoneChunk(bytes, cookie), null, 0);
        }

        /// <summary>A request (holding a slot) now owes a reply.</summary>
        void Started()
        {
            lock (gate) inFlight++;
        }

        void Reply(in NbdReply reply) => writer!.Enqueue(reply);

        /// <summary>From the writer: a reply is out (or given up); what its request held (slot, buffer, budget) goes back.</summary>
        void Written(NbdReply reply)
        {
            if (reply.Rented is not null)
            {
                ArrayPool<byte>.Shared.Return(reply.Rented);
                budget.Give(reply.Taken);
            }
            requestSlots.Release();
            lock (gate)
            {
                if (--inFlight == 0) Monitor.PulseAll(gate);
            }
        }

        /// <summary>From the writer: the client is gone or the stream was closed; stop the reader and the requests in flight.</summary>
        void WriteFailed()
        {
            requests.Cancel();
            stream.Dispose();
        }

        void Send(byte[] bytes) => stream.Write(bytes, 0, bytes.Length);

        void Discard(uint count)
        {
            var scratch = ArrayPool<byte>.Shared.Rent(DiscardChunk);
            try
            {
                while (count > 0)
                {
                    var n = (int)Math.Min(count, (uint)DiscardChunk);
                    if (!inbox.TryRead(scratch, 0, n)) throw new EndOfStreamException("the client closed the connection within refused data");
                    count -= (uint)n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }
}
