using System;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>The service holds no session with that identifier (never had one, or it ended long enough ago to be forgotten).</summary>
    public sealed class IscsiSessionNotFoundException : Exception
    {
        public IscsiSessionNotFoundException(string sessionIdentifier)
            : base($"no session has the identifier {sessionIdentifier}")
        {
            SessionIdentifier = sessionIdentifier;
        }

        public string SessionIdentifier { get; }
    }
}
