using System.Threading;

namespace IscsiDhcp.Nbd
{
    /// <summary>What an <see cref="NbdServer"/> has seen, across its connections (read at any time, from any thread).</summary>
    public sealed class NbdServerCounters
    {
        long connections, activeConnections, refusedByPolicy, requests, rejectedRequests, failedRequests, rejectedOptions, protocolViolations, bytesRead, bytesWritten;

        public long Connections => Volatile.Read(ref connections);
        public long ActiveConnections => Volatile.Read(ref activeConnections);
        /// <summary>Transmission requests received (well framed).</summary>
        public long Requests => Volatile.Read(ref requests);
        /// <summary>Requests refused before any I/O: unknown command or flag, out of bounds, unaligned, oversize, read-only.</summary>
        public long RejectedRequests => Volatile.Read(ref rejectedRequests);
        /// <summary>Requests whose I/O failed (the error went to the client).</summary>
        public long FailedRequests => Volatile.Read(ref failedRequests);
        /// <summary>Options refused with an error reply: unknown, malformed, too big, unknown export.</summary>
        public long RejectedOptions => Volatile.Read(ref rejectedOptions);
        /// <summary>NBD_OPT_INFO, NBD_OPT_GO and NBD_OPT_EXPORT_NAME refused because the connection may only list (an unprivileged peer).</summary>
        public long RefusedByPolicy => Volatile.Read(ref refusedByPolicy);
        /// <summary>Connections dropped for breaking the protocol (bad magic, unknown client flags, payload beyond the discard bound, handshake timeout).</summary>
        public long ProtocolViolations => Volatile.Read(ref protocolViolations);
        /// <summary>Bytes read from exports for clients.</summary>
        public long BytesRead => Volatile.Read(ref bytesRead);
        /// <summary>Bytes written to exports by clients.</summary>
        public long BytesWritten => Volatile.Read(ref bytesWritten);

        internal void Connected()
        {
            Interlocked.Increment(ref connections);
            Interlocked.Increment(ref activeConnections);
        }

        internal void Disconnected() => Interlocked.Decrement(ref activeConnections);
        internal void Request() => Interlocked.Increment(ref requests);
        internal void RejectedRequest() => Interlocked.Increment(ref rejectedRequests);
        internal void FailedRequest() => Interlocked.Increment(ref failedRequests);
        internal void RejectedOption() => Interlocked.Increment(ref rejectedOptions);
        internal void PolicyRefusal() => Interlocked.Increment(ref refusedByPolicy);
        internal void ProtocolViolation() => Interlocked.Increment(ref protocolViolations);
        internal void Read(long bytes) => Interlocked.Add(ref bytesRead, bytes);
        internal void Written(long bytes) => Interlocked.Add(ref bytesWritten, bytes);

        public override string ToString() =>
            $"connections {Connections} (active {ActiveConnections}), requests {Requests}, rejected {RejectedRequests}, failed {FailedRequests}, " +
            $"rejected options {RejectedOptions}, refused by policy {RefusedByPolicy}, protocol violations {ProtocolViolations}, read {BytesRead} B, written {BytesWritten} B";
    }
}
