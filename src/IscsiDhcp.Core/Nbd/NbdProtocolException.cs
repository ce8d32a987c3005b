using System.IO;

namespace IscsiDhcp.Nbd
{
    /// <summary>The NBD server broke the protocol (a bad magic, a reply to nothing asked): the connection cannot go on.</summary>
    public sealed class NbdProtocolException : IOException
    {
        public NbdProtocolException(string message) : base(message)
        {
        }
    }
}
