using System;
using System.Collections.Concurrent;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Agent.Ipc;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// One end of an agent connection: reads whole frames, and sends through an outbox that a
    /// single writer drains, so whoever sends (a reply, a session's transition raised on the
    /// supervisor's thread) never waits on the socket. A peer that stops reading fills its
    /// outbox or lets a write time out, and loses its connection; nobody else waits for it.
    /// </summary>
    public sealed class AgentConnection : IDisposable
    {
        /// <summary>Frames that may wait for a slow reader before it is cut off.</summary>
        public const int MaxQueuedFrames = 4096;

        readonly Stream stream;
        readonly ConcurrentQueue<AgentMessage.Frame> outbox = new();
        readonly SemaphoreSlim queued = new(0);
        readonly CancellationTokenSource closing = new();
        readonly byte[] header = new byte[AgentFrame.HeaderLength];
        readonly TaskCompletionSource<Exception?> closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        int waiting;

        public AgentConnection(Stream stream, TimeSpan? bodyTimeout = null, TimeSpan? writeTimeout = null)
        {
            this.stream = stream ?? throw new ArgumentNullException(nameof(stream));
            BodyTimeout = bodyTimeout ?? TimeSpan.FromSeconds(10);
            WriteTimeout = writeTimeout ?? TimeSpan.FromSeconds(10);
            _ = WriteLoopAsync();
        }

        /// <summary>How long the rest of a frame may take once its header has come: a peer that trickles is cut off.</summary>
        public TimeSpan BodyTimeout { get; }

        /// <summary>How long one write may wait for the peer to read.</summary>
        public TimeSpan WriteTimeout { get; }

        /// <summary>Completes when the connection has closed, with why (null: closed in order).</summary>
        public Task<Exception?> Closed => closed.Task;

        public bool IsClosed => closing.IsCancellationRequested;

        /// <summary>
        /// The next message, or null when the peer closed the connection between messages.
        /// Throws <see cref="AgentProtocolException"/> for a bad frame or a body that is not a
        /// JSON object; after a framing error the stream cannot be trusted and is closed.
        /// </summary>
        public async Task<JsonDocument?> ReadAsync(CancellationToken cancel)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, closing.Token);
            if (!await ReadExactlyAsync(header, 0, header.Length, allowEndAtStart: true, linked.Token).ConfigureAwait(false)) return null;
            int length;
            try { length = AgentFrame.ReadLength(header); }
            catch (AgentProtocolException e)
            {
                Close(e);
                throw;
            }
            var body = new byte[length];
            linked.CancelAfter(BodyTimeout);
            try
            {
                await ReadExactlyAsync(body, 0, length, allowEndAtStart: false, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested && !closing.IsCancellationRequested)
            {
                var slow = new AgentProtocolException($"the rest of a {length}-byte message did not come within {BodyTimeout.TotalSeconds:0.#} s", slowPeer: true);
                Close(slow);
                throw slow;
            }
            return AgentMessage.Parse(body);
        }

        /// <summary>Queues a frame; false (and the connection closed) when the peer is gone or too far behind.</summary>
        public bool Send(AgentMessage.Frame frame)
        {
            if (closing.IsCancellationRequested) return false;
            if (Interlocked.Increment(ref waiting) > MaxQueuedFrames)
            {
                Interlocked.Decrement(ref waiting);
                Close(new AgentProtocolException($"the peer did not read {MaxQueuedFrames} messages", slowPeer: true));
                return false;
            }
            outbox.Enqueue(frame);
            queued.Release();
            return true;
        }

        async Task WriteLoopAsync()
        {
            try
            {
                while (true)
                {
                    await queued.WaitAsync(closing.Token).ConfigureAwait(false);
                    if (!outbox.TryDequeue(out var frame)) continue;
                    Interlocked.Decrement(ref waiting);
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(closing.Token);
                    deadline.CancelAfter(WriteTimeout);
                    try
                    {
                        await stream.WriteAsync(frame.Buffer, 0, frame.Length, deadline.Token).ConfigureAwait(false);
                        if (queued.CurrentCount == 0) await stream.FlushAsync(deadline.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!closing.IsCancellationRequested)
                    {
                        Close(new AgentProtocolException($"the peer did not read for {WriteTimeout.TotalSeconds:0.#} s", slowPeer: true));
                        return;
                    }
                    finally
                    {
                        frame.Clear();
                    }
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                Close(e);
            }
            finally
            {
                while (outbox.TryDequeue(out var left)) left.Clear();
            }
        }

        async Task<bool> ReadExactlyAsync(byte[] buffer, int offset, int count, bool allowEndAtStart, CancellationToken cancel)
        {
            var read = 0;
            while (read < count)
            {
                int n;
                try { n = await stream.ReadAsync(buffer, offset + read, count - read, cancel).ConfigureAwait(false); }
                catch (Exception e) when (e is IOException or ObjectDisposedException && closing.IsCancellationRequested)
                {
                    throw new OperationCanceledException("the connection closed", e);
                }
                if (n == 0)
                {
                    if (read == 0 && allowEndAtStart) return false;
                    var cut = new AgentProtocolException($"the connection ended {read} bytes into a {count}-byte message");
                    Close(cut);
                    throw cut;
                }
                read += n;
            }
            return true;
        }

        /// <summary>Closes the connection (once); <paramref name="reason"/> says why when it is not an orderly close.</summary>
        public void Close(Exception? reason = null)
        {
            if (!closed.TrySetResult(reason)) return;
            closing.Cancel();
            try { stream.Dispose(); }
            catch (IOException) { }
        }

        public void Dispose() => Close();
    }
}
