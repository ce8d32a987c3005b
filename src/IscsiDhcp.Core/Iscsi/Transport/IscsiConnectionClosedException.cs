using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Transport
{
    /// <summary>The peer closed the TCP connection mid-PDU or between PDUs.</summary>
    public sealed class IscsiConnectionClosedException : IscsiProtocolException
    {
        public IscsiConnectionClosedException(string message) : base(message) { }
    }
}
