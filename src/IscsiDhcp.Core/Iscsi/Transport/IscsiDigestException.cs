using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Transport
{
    /// <summary>A header or data digest did not match; at error recovery level 0 the connection is lost.</summary>
    public sealed class IscsiDigestException : IscsiProtocolException
    {
        public IscsiDigestException(string message) : base(message) { }
    }
}
