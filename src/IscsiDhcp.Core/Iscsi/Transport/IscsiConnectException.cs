using System;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Iscsi.Transport
{
    /// <summary>No TCP connection to the portal could be made (unresolvable, refused, timed out).</summary>
    public sealed class IscsiConnectException : Exception
    {
        public IscsiConnectException(TargetAddress portal, string message, Exception? inner = null) : base(message, inner)
        {
            Portal = portal;
        }

        public TargetAddress Portal { get; }
    }
}
