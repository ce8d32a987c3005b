using System;
using System.Text.Json;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Leases;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Agent.Ipc
{
    /// <summary>
    /// Failures on the agent's wire. The agent classifies each (ErrorCatalog: kind and id) and
    /// sends its message; the client rebuilds the types the operations act on (a lease that is
    /// gone, a session not found, a login refusal, a bad argument, a timeout) and carries the
    /// rest as <see cref="AgentFaultException"/> with the same kind and id.
    /// </summary>
    internal static class FaultJson
    {
        public static void Write(Utf8JsonWriter w, string name, Exception failure)
        {
            var classified = ErrorCatalog.Classify(failure);
            w.WriteStartObject(name);
            w.WriteString("type", failure.GetType().Name);
            w.WriteString("kind", classified.Kind.ToString());
            w.WriteString("errorId", classified.ErrorId);
            w.WriteString("message", failure.Message);
            switch (failure)
            {
                case DhcpAgentException dhcp:
                    w.WriteString("dhcpError", dhcp.Error.ToString());
                    break;
                case IscsiLoginException login:
                    w.WriteString("loginFailure", login.Failure.ToString());
                    w.WriteNumber("statusClass", login.StatusClass);
                    w.WriteNumber("statusDetail", login.StatusDetail);
                    break;
                case IscsiSessionNotFoundException notFound:
                    w.WriteString("sessionId", notFound.SessionIdentifier);
                    break;
                case IscsiSessionExistsException exists:
                    w.WriteString("sessionId", exists.SessionIdentifier);
                    w.WriteString("target", exists.TargetName);
                    w.WriteString("initiator", exists.InitiatorName);
                    break;
                case DhcpArgumentException argument:
                    w.WriteString("parameter", argument.Parameter);
                    break;
            }
            w.WriteEndObject();
        }

        public static Exception Read(JsonElement e)
        {
            var message = e.String("message");
            var errorId = e.String("errorId");
            var kind = e.Enum<ErrorKind>("kind");
            switch (e.String("type"))
            {
                case nameof(DhcpAgentException): return new DhcpAgentException(e.Enum<DhcpAgentError>("dhcpError"), message);
                case nameof(IscsiLoginException):
                    return new IscsiLoginException(e.Enum<LoginFailure>("loginFailure"), message, checked((byte)e.Int64("statusClass")), checked((byte)e.Int64("statusDetail")));
                case nameof(IscsiLoginTimeoutException): return new IscsiLoginTimeoutException(message, null);
                case nameof(IscsiSessionNotFoundException): return new IscsiSessionNotFoundException(e.String("sessionId"));
                case nameof(IscsiSessionExistsException): return new IscsiSessionExistsException(e.String("target"), e.String("initiator"), e.String("sessionId"));
                case nameof(DhcpArgumentException): return new DhcpArgumentException(e.String("parameter"), errorId, kind, message);
                case nameof(TimeoutException): return new TimeoutException(message);
                case nameof(OperationCanceledException) or nameof(System.Threading.Tasks.TaskCanceledException): return new OperationCanceledException(message);
                case nameof(UnauthorizedAccessException): return new UnauthorizedAccessException(message);
                case nameof(ArgumentException) or nameof(ArgumentNullException) or nameof(ArgumentOutOfRangeException) or nameof(FormatException) when kind == ErrorKind.InvalidArgument:
                    return new ArgumentException(message);   // the message already names the parameter
                default: return new AgentFaultException(kind, errorId, message);
            }
        }
    }
}
