using System;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// A failure the agent reported that has no type of its own on this side: it keeps the
    /// kind and the error id the agent classified it with, so the user sees exactly what the
    /// in-process path would have shown.
    /// </summary>
    public sealed class AgentFaultException : Exception
    {
        public AgentFaultException(ErrorKind kind, string errorId, string message) : base(message)
        {
            Kind = kind;
            ErrorId = errorId;
        }

        public ErrorKind Kind { get; }
        public string ErrorId { get; }
    }
}
