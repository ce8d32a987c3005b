using System;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>One transition of a supervised session: when, from and to which state, and why.</summary>
    public sealed class IscsiSessionStateChange
    {
        public IscsiSessionStateChange(DateTimeOffset time, string targetName, IscsiSessionState from, IscsiSessionState to, string reason, Exception? error = null)
        {
            Time = time;
            TargetName = targetName;
            From = from;
            To = to;
            Reason = reason;
            Error = error;
        }

        public DateTimeOffset Time { get; }
        public string TargetName { get; }
        public IscsiSessionState From { get; }
        public IscsiSessionState To { get; }
        public string Reason { get; }
        /// <summary>The failure behind the transition, when there was one.</summary>
        public Exception? Error { get; }

        public override string ToString() => $"{Time:HH:mm:ss.fff} {TargetName}: {From} -> {To} ({Reason})";
    }
}
