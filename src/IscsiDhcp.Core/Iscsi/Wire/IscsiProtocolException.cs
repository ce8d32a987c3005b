using System;

namespace IscsiDhcp.Iscsi.Wire
{
    /// <summary>
    /// The peer broke the protocol: a malformed or unexpected PDU, a bad digest, a
    /// length past a negotiated limit. The connection that carried it cannot go on.
    /// </summary>
    public class IscsiProtocolException : Exception
    {
        public IscsiProtocolException(string message) : base(message) { }
        public IscsiProtocolException(string message, Exception inner) : base(message, inner) { }
    }
}
