using System;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>
    /// A supervised session as it was at one moment: what the service seam hands out instead
    /// of the session itself (its SessionIdentifier names the session in every later call).
    /// </summary>
    public sealed class IscsiSessionStatus
    {
        public string SessionIdentifier { get; internal set; } = "";
        public string TargetNodeAddress { get; internal set; } = "";
        public string InitiatorNodeAddress { get; internal set; } = "";
        public IscsiSessionState State { get; internal set; }
        public bool IsConnected => State == IscsiSessionState.LoggedIn;
        /// <summary>The portal in use (or the next to try while reconnecting).</summary>
        public TargetAddress TargetPortal { get; internal set; } = null!;
        /// <summary>The portal the session was started at (or that a permanent redirect made its own): where a reconnect begins.</summary>
        public TargetAddress OriginalTargetPortal { get; internal set; } = null!;
        public DateTimeOffset? ConnectedSince { get; internal set; }
        public int ReconnectCount { get; internal set; }
        public int RedirectCount { get; internal set; }
        public string? LastError { get; internal set; }
        /// <summary>The last failure of a subscriber to this session's transitions (a job's handler, an -EventAction): never the session's own.</summary>
        public string? LastSubscriberError { get; internal set; }
        /// <summary>Commands handed to the supervisor and not yet ended, those waiting for a reconnect among them.</summary>
        public int CommandsInFlight { get; internal set; }
        public long BytesRead { get; internal set; }
        public long BytesWritten { get; internal set; }
        public TimeSpan? LastNopRoundTrip { get; internal set; }
        /// <summary>What the current (or last) login negotiated.</summary>
        public SessionParameters? Parameters { get; internal set; }
        /// <summary>The initiator session ID in hex, as iscsiadm and Windows show it (e.g. 400001370000).</summary>
        public string Isid { get; internal set; } = "";
        /// <summary>The alias the target declared at login, if any.</summary>
        public string? TargetAlias { get; internal set; }
        /// <summary>The portal group the target said the session's portal belongs to.</summary>
        public int TargetPortalGroupTag { get; internal set; }
        public ushort Tsih { get; internal set; }

        /// <summary>Where the session lives: in this shell (it ends with it), or in the agent (it outlives every shell).</summary>
        public IscsiDhcp.Common.HeldBy HeldBy { get; internal set; }

        /// <summary>Whether the agent logs this session in again whenever it starts (Register-IscsiSession, Connect-IscsiTarget -IsPersistent).</summary>
        public bool IsPersistent { get; internal set; }
    }
}
