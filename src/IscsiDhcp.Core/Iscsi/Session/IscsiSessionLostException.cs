using System;

namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>The session's connection failed; commands in flight end with this error (the supervisor may re-issue them).</summary>
    public sealed class IscsiSessionLostException : Exception
    {
        public IscsiSessionLostException(string message, Exception? inner = null) : base(message, inner) { }
    }
}
