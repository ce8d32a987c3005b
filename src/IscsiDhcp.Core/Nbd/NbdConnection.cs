using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// One client of an <see cref="NbdServer"/>: the handshake, then a reader loop that checks each
    /// request and starts it, and replies written under one lock as requests finish (in any order,
    /// as the protocol allows). Memory is bounded by the request and byte budgets taken before a
    /// payload is read or a read buffer rented.
    /// </summary>
    sealed class NbdConnection : IDisposable
    {
        const int DiscardChunk = 64 << 10;
        static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

        readonly NbdServer server;
        readonly NbdServerOptions options;
        readonly NbdServerCounters counters;
        readonly Stream stream;
        readonly NbdAccess access;
        readonly byte[] header = new byte[NbdMagic.RequestLength];
        readonly SemaphoreSlim writeLock = new(1, 1);
        readonly SemaphoreSlim requestSlots;
        readonly ByteBudget budget;
        readonly TaskCompletionSource<bool> drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // Cancels the I/O of requests in flight: on a hard disconnect, the client's going, or the server's shutdown.
        CancellationTokenSource requests = null!;
        // Cancels reply writes: at once when the client is gone, a grace period after the server's shutdown (so ESHUTDOWN replies can go out).
        readonly CancellationTokenSource writes = new();
        CancellationToken lifetime;
        int pending = 1;   // the reader's own count, so the drain completes only after the reader is done
        bool structured, noZeroes;
        NbdExport? export;
        NbdExportLimits limits;

        public NbdConnection(NbdServer server, Stream stream, NbdAccess access)
        {
            this.server = server;
            options = server.Options;
            counters = server.Counters;
            this.stream = stream;
            this.access = access;
            requestSlots = new SemaphoreSlim(options.MaxRequestsInFlight, options.MaxRequestsInFlight);
            budget = new ByteBudget(options.MaxBytesInFlight);
        }

        public async Task RunAsync(CancellationToken cancel)
        {
            lifetime = cancel;
            requests = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            using var shutdown = cancel.Register(() => writes.CancelAfter(ShutdownGrace));
            var softDisconnect = false;
            try
            {
                using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancel))
                {
                    handshake.CancelAfter(options.HandshakeTimeout);
                    try
                    {
                        export = await HandshakeAsync(handshake.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                    {
                        counters.ProtocolViolation();   // a client that never finishes the handshake holds a connection for nothing
                        return;
                    }
                }
                if (export is null) return;
                softDisconnect = await TransmitAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionGone(e))
            {
                // The client went away (or the server is shutting down): nothing to tell anyone.
            }
            finally
            {
                // NBD_CMD_DISC: finish what is in flight. Otherwise (gone, violation, shutdown) stop it.
                if (!softDisconnect) requests.Cancel();
                if (Interlocked.Decrement(ref pending) == 0) drained.TrySetResult(true);
                await drained.Task.ConfigureAwait(false);
                export?.Dispose();
                stream.Dispose();
            }
        }

        /// <summary>After <see cref="RunAsync"/> has returned: nothing is in flight any more.</summary>
        public void Dispose()
        {
            requests?.Dispose();
            writes.Dispose();
            writeLock.Dispose();
            requestSlots.Dispose();
        }

        static bool IsConnectionGone(Exception e) => e is IOException or ObjectDisposedException or OperationCanceledException;

        // ---- handshake ----

        /// <summary>Option haggling; the export to serve, or null when the connection is to end.</summary>
        async Task<NbdExport?> HandshakeAsync(CancellationToken cancel)
        {
            await SendAsync(NbdMessages.Greeting(NbdServerHandshake.FixedNewstyle | NbdServerHandshake.NoZeroes), cancel).ConfigureAwait(false);
            var flagBytes = new byte[NbdMagic.ClientFlagsLength];
            if (!await ReadExactlyAsync(flagBytes, flagBytes.Length, cancel).ConfigureAwait(false)) return null;
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
                if (!await ReadExactlyAsync(optionHeader, optionHeader.Length, cancel).ConfigureAwait(false)) return null;
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
                    await DiscardAsync(option.Length, cancel).ConfigureAwait(false);
                    await RejectOptionAsync(option.Option, NbdOptionReplyType.ErrorTooBig, $"{option.Length} bytes of option data is more than {options.MaxOptionLength}", cancel).ConfigureAwait(false);
                    continue;
                }
                var data = new byte[option.Length];
                if (data.Length > 0 && !await ReadExactlyAsync(data, data.Length, cancel).ConfigureAwait(false)) throw new EndOfStreamException("the client closed the connection within an option");

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
                        (NbdExport? Export, NbdError Why) chosen = nameReader.Failed ? (null, NbdError.Invalid) : await TryOpenAsync(name, cancel).ConfigureAwait(false);
                        if (chosen.Export is null)
                        {
                            counters.RejectedOption();   // the protocol has no error for EXPORT_NAME: the session ends
                            return null;
                        }
                        Negotiate(chosen.Export);
                        await SendAsync(NbdMessages.ExportNameReply(limits.Size, limits.Flags, noZeroes), cancel).ConfigureAwait(false);
                        return chosen.Export;
                    }
                    case NbdOption.Abort:
                        await SendAsync(NbdMessages.OptionReply(option.Option, NbdOptionReplyType.Ack), cancel).ConfigureAwait(false);
                        return null;
                    case NbdOption.List:
                        await ListAsync(data.Length, cancel).ConfigureAwait(false);
                        break;
                    case NbdOption.StructuredReply:
                        if (data.Length != 0 || structured)
                        {
                            await RejectOptionAsync(option.Option, NbdOptionReplyType.ErrorInvalid,
                                structured ? "structured replies are already negotiated" : "NBD_OPT_STRUCTURED_REPLY carries no data", cancel).ConfigureAwait(false);
                            break;
                        }
                        structured = true;
                        await SendAsync(NbdMessages.OptionReply(option.Option, NbdOptionReplyType.Ack), cancel).ConfigureAwait(false);
                        break;
                    case NbdOption.Info:
                    case NbdOption.Go:
                    {
                        var chosen = await InfoAsync(option.Option, data, cancel).ConfigureAwait(false);
                        if (chosen is null) break;
                        if (option.Option == NbdOption.Go) return chosen;
                        chosen.Dispose();
                        break;
                    }
                    default:
                        // STARTTLS, metadata contexts, extended headers, and options this server has never heard of.
                        await RejectOptionAsync(option.Option, NbdOptionReplyType.ErrorUnsupported, $"option {(uint)option.Option} is not supported", cancel).ConfigureAwait(false);
                        break;
                }
            }
        }

        async Task ListAsync(int dataLength, CancellationToken cancel)
        {
            if (dataLength != 0)
            {
                await RejectOptionAsync(NbdOption.List, NbdOptionReplyType.ErrorInvalid, "NBD_OPT_LIST carries no data", cancel).ConfigureAwait(false);
                return;
            }
            System.Collections.Generic.IReadOnlyList<NbdExportEntry> entries;
            try
            {
                entries = await server.Catalog.ListAsync(cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await RejectOptionAsync(NbdOption.List, NbdOptionReplyType.ErrorPlatform, $"the exports cannot be listed: {e.Message}", cancel).ConfigureAwait(false);
                return;
            }
            foreach (var entry in entries)
                await SendAsync(NbdMessages.ServerEntry(entry.Name, entry.Description), cancel).ConfigureAwait(false);
            await SendAsync(NbdMessages.OptionReply(NbdOption.List, NbdOptionReplyType.Ack), cancel).ConfigureAwait(false);
        }

        /// <summary>NBD_OPT_INFO / NBD_OPT_GO: the export's information then ACK, or an error; the opened export on success.</summary>
        async Task<NbdExport?> InfoAsync(NbdOption option, byte[] data, CancellationToken cancel)
        {
            var query = NbdExportQuery.Parse(data, out var error);
            if (query is null)
            {
                await RejectOptionAsync(option, NbdOptionReplyType.ErrorInvalid, error!, cancel).ConfigureAwait(false);
                return null;
            }
            if (access == NbdAccess.ListOnly)
            {
                counters.PolicyRefusal();
                await RejectOptionAsync(option, NbdOptionReplyType.ErrorPolicy,
                    $"'{query.Name}': this connection may list the exports but not open them (opening needs privilege)", cancel).ConfigureAwait(false);
                return null;
            }
            var (chosen, why) = await TryOpenAsync(query.Name, cancel).ConfigureAwait(false);
            if (chosen is null)
            {
                await RejectOptionAsync(option, why == NbdError.Shutdown ? NbdOptionReplyType.ErrorShutdown : NbdOptionReplyType.ErrorUnknown,
                    $"no export named '{query.Name}'" + (why == NbdError.None ? "" : $" can be opened now ({why})"), cancel).ConfigureAwait(false);
                return null;
            }
            try
            {
                Negotiate(chosen);
                await SendAsync(NbdMessages.InfoExport(option, limits.Size, limits.Flags), cancel).ConfigureAwait(false);
                // Sent whether asked or not (the protocol allows it): a client that did not ask still learns the constraints.
                await SendAsync(NbdMessages.InfoBlockSize(option, limits.MinimumBlockSize, Math.Max(chosen.PreferredBlockSize, limits.MinimumBlockSize), limits.MaximumPayload), cancel).ConfigureAwait(false);
                if (query.Requested(NbdInfoType.Name))
                    await SendAsync(NbdMessages.InfoText(option, NbdInfoType.Name, chosen.Name), cancel).ConfigureAwait(false);
                if (query.Requested(NbdInfoType.Description) && chosen.Description is { } description)
                    await SendAsync(NbdMessages.InfoText(option, NbdInfoType.Description, description), cancel).ConfigureAwait(false);
                await SendAsync(NbdMessages.OptionReply(option, NbdOptionReplyType.Ack), cancel).ConfigureAwait(false);
                return chosen;
            }
            catch
            {
                chosen.Dispose();
                throw;
            }
        }

        async Task<(NbdExport? Export, NbdError Why)> TryOpenAsync(string name, CancellationToken cancel)
        {
            try
            {
                return (await server.Catalog.OpenAsync(name, cancel).ConfigureAwait(false), NbdError.None);
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

        Task RejectOptionAsync(NbdOption option, NbdOptionReplyType type, string message, CancellationToken cancel)
        {
            counters.RejectedOption();
            return SendAsync(NbdMessages.OptionError(option, type, message), cancel);
        }

        // ---- transmission ----

        /// <summary>The reader loop; true when the client ended with NBD_CMD_DISC (in-flight requests are then finished, not cancelled).</summary>
        async Task<bool> TransmitAsync()
        {
            var cancel = lifetime;
            while (true)
            {
                if (!await ReadExactlyAsync(header, header.Length, cancel).ConfigureAwait(false)) return false;
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
                        await DiscardAsync(request.Length, cancel).ConfigureAwait(false);
                    }
                    await ReplyErrorAsync(request, error, Describe(request, error)).ConfigureAwait(false);
                    continue;
                }

                var payload = request.Command is NbdCommand.Read or NbdCommand.Write ? (int)request.Length : 0;
                await requestSlots.WaitAsync(cancel).ConfigureAwait(false);
                byte[]? buffer = null;
                var taken = 0;
                try
                {
                    if (payload > 0)
                    {
                        taken = payload + NbdMessages.OffsetDataHeaderLength;
                        await budget.TakeAsync(taken, cancel).ConfigureAwait(false);
                        // Room for the reply header before the data, so a read's reply is one write.
                        buffer = ArrayPool<byte>.Shared.Rent(taken);
                        if (request.Command == NbdCommand.Write && !await ReadExactlyAsync(buffer, payload, cancel, NbdMessages.OffsetDataHeaderLength).ConfigureAwait(false))
                            throw new EndOfStreamException("the client closed the connection within a write's data");
                    }
                }
                catch
                {
                    if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
                    if (taken > 0 && buffer is not null) budget.Give(taken);
                    requestSlots.Release();
                    throw;
                }
                Interlocked.Increment(ref pending);
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

        /// <summary>Carries out a checked request and replies; the buffer (payload at <see cref="NbdMessages.OffsetDataHeaderLength"/>) and budget go back at the end.</summary>
        async Task ServeRequestAsync(NbdRequest request, byte[]? buffer, int taken)
        {
            var cancel = requests.Token;
            var export = this.export!;
            const int at = NbdMessages.OffsetDataHeaderLength;
            var length = (int)request.Length;
            var fua = (request.Flags & NbdRequestModifiers.Fua) != 0 && export.CanFlush;
            try
            {
                switch (request.Command)
                {
                    case NbdCommand.Read:
                        if (length > 0) await export.ReadAsync(request.Offset, buffer.AsMemory(at, length), cancel).ConfigureAwait(false);
                        counters.Read(length);
                        if (structured)
                        {
                            if (length == 0)
                            {
                                var none = new byte[NbdMagic.StructuredReplyHeaderLength];
                                await SendReplyAsync(none, 0, NbdMessages.WriteNoneChunk(none, request.Cookie)).ConfigureAwait(false);
                            }
                            else
                            {
                                NbdMessages.WriteOffsetDataHeader(buffer, true, request.Cookie, request.Offset, (uint)length);
                                await SendReplyAsync(buffer!, 0, at + length).ConfigureAwait(false);
                            }
                        }
                        else if (length == 0)
                            await SendSimpleAsync(request.Cookie, NbdError.None).ConfigureAwait(false);
                        else
                        {
                            const int simpleAt = at - NbdMagic.SimpleReplyLength;
                            NbdMessages.WriteSimpleReply(buffer.AsSpan(simpleAt), NbdError.None, request.Cookie);
                            await SendReplyAsync(buffer!, simpleAt, NbdMagic.SimpleReplyLength + length).ConfigureAwait(false);
                        }
                        return;
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
                if (fua) await export.FlushAsync(cancel).ConfigureAwait(false);
                await SendSimpleAsync(request.Cookie, NbdError.None).ConfigureAwait(false);
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
                try
                {
                    await ReplyErrorAsync(request, error, $"{request.Command} at {request.Offset}: {e.Message}").ConfigureAwait(false);
                }
                catch (Exception gone) when (IsConnectionGone(gone))
                {
                }
            }
            finally
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    budget.Give(taken);
                }
                requestSlots.Release();
                if (Interlocked.Decrement(ref pending) == 0) drained.TrySetResult(true);
            }
        }

        /// <summary>An error reply: an error chunk with a message when structured replies are on (required for reads), else a simple reply.</summary>
        Task ReplyErrorAsync(in NbdRequest request, NbdError error, string message)
        {
            if (!structured) return SendSimpleAsync(request.Cookie, error);
            var bytes = new byte[NbdMessages.ErrorChunkLength(message)];
            var n = NbdMessages.WriteErrorChunk(bytes, request.Cookie, error, message);
            return SendReplyAsync(bytes, 0, n);
        }

        Task SendSimpleAsync(ulong cookie, NbdError error)
        {
            var bytes = new byte[NbdMagic.SimpleReplyLength];
            NbdMessages.WriteSimpleReply(bytes, error, cookie);
            return SendReplyAsync(bytes, 0, bytes.Length);
        }

        /// <summary>One reply, whole, under the write lock (replies of concurrent requests never interleave). A failed write ends the connection.</summary>
        async Task SendReplyAsync(byte[] bytes, int offset, int count)
        {
            await writeLock.WaitAsync(writes.Token).ConfigureAwait(false);
            try
            {
                await stream.WriteAsync(bytes, offset, count, writes.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionGone(e))
            {
                // The client is gone: stop the reader (its pending read fails) and the other requests.
                requests.Cancel();
                writes.Cancel();
                stream.Dispose();
                throw;
            }
            finally
            {
                writeLock.Release();
            }
        }

        Task SendAsync(byte[] bytes, CancellationToken cancel) => stream.WriteAsync(bytes, 0, bytes.Length, cancel);

        /// <summary>Fills <paramref name="count"/> bytes from <paramref name="offset"/>; false on a clean end before the first byte, EndOfStream within.</summary>
        async Task<bool> ReadExactlyAsync(byte[] buffer, int count, CancellationToken cancel, int offset = 0)
        {
            var done = 0;
            while (done < count)
            {
                var n = await stream.ReadAsync(buffer, offset + done, count - done, cancel).ConfigureAwait(false);
                if (n == 0)
                {
                    if (done == 0) return false;
                    throw new EndOfStreamException($"the client closed the connection {done} bytes into a {count}-byte message");
                }
                done += n;
            }
            return true;
        }

        async Task DiscardAsync(uint count, CancellationToken cancel)
        {
            var scratch = ArrayPool<byte>.Shared.Rent(DiscardChunk);
            try
            {
                while (count > 0)
                {
                    var n = (int)Math.Min(count, (uint)DiscardChunk);
                    if (!await ReadExactlyAsync(scratch, n, cancel).ConfigureAwait(false)) throw new EndOfStreamException("the client closed the connection within refused data");
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
