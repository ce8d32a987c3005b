using System;
using IscsiDhcp.Iscsi.Supervisor;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// Told what becomes of a session (<see cref="IIscsiDhcpService.WatchSessionAsync"/>): every
    /// transition once and in order, those before the subscription first, then the end. Calls
    /// never overlap; they come on the service's threads, so an implementation returns quickly.
    /// </summary>
    public interface IIscsiSessionObserver
    {
        void OnStateChanged(IscsiSessionStateChange change);

        /// <summary>The last call: the session has ended, cleanly (null) or with the failure that ended it.</summary>
        void OnEnded(Exception? failure);
    }
}
