using System;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>A second session of ours to a target: with the same ISID it would reinstate, that is end, the first.</summary>
    public sealed class IscsiSessionExistsException : Exception
    {
        public IscsiSessionExistsException(string targetName, string initiatorName, string sessionIdentifier)
            : base($"{targetName} is already connected as {initiatorName} (session {sessionIdentifier}); disconnect it first, or use that session")
        {
            TargetName = targetName;
            InitiatorName = initiatorName;
            SessionIdentifier = sessionIdentifier;
        }

        public string TargetName { get; }
        public string InitiatorName { get; }
        public string SessionIdentifier { get; }
    }
}
