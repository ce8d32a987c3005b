using System;

namespace IscsiDhcp.Nbd
{
    /// <summary>An export's I/O failed with an error the client is to be told as this NBD error (any other exception is EIO).</summary>
    public sealed class NbdException : Exception
    {
        public NbdException(NbdError error, string message, Exception? inner = null) : base(message, inner) => Error = error;

        public NbdError Error { get; }
    }
}
