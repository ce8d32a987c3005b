using System;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>The first login did not succeed within the time the owner allowed (Connect-IscsiTarget -TimeoutSec), however many attempts it took.</summary>
    public sealed class IscsiLoginTimeoutException : TimeoutException
    {
        public IscsiLoginTimeoutException(string message, Exception? lastError)
            : base(message, lastError)
        {
        }
    }
}
