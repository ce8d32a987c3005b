using System;
using System.IO;
using IscsiDhcp.Agent;
using IscsiDhcp.Agent.Ipc;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Transport;
using IscsiDhcp.Iscsi.Wire;
using IscsiDhcp.Nbd;
using IscsiDhcp.Nbd.Kernel;
using IscsiDhcp.Operations.Leases;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Operations
{
    /// <summary>
    /// The one table from Core's typed failures to what a user sees: a kind (PowerShell's
    /// ErrorCategory) and a stable error id. Scripts match on the ids, so they never change
    /// once released; a new failure gets a new id.
    /// </summary>
    public static class ErrorCatalog
    {
        public static OperationError Classify(Exception exception, object? target = null)
        {
            var (kind, id) = Describe(exception);
            return new OperationError(exception, kind, id, target);
        }

        static (ErrorKind Kind, string Id) Describe(Exception exception) => exception switch
        {
            IscsiLoginException login => login.Failure switch
            {
                LoginFailure.AuthenticationFailed => (ErrorKind.SecurityError, "IscsiAuthenticationFailed"),
                LoginFailure.AuthorizationFailed => (ErrorKind.SecurityError, "IscsiAuthorizationFailed"),
                LoginFailure.TargetNotFound or LoginFailure.TargetRemoved => (ErrorKind.ObjectNotFound, "IscsiTargetNotFound"),
                LoginFailure.TooManyRedirects => (ErrorKind.LimitsExceeded, "IscsiRedirectLoop"),
                LoginFailure.ServiceUnavailable or LoginFailure.OutOfResources or LoginFailure.TargetError => (ErrorKind.ResourceUnavailable, "IscsiTargetUnavailable"),
                LoginFailure.ProtocolError => (ErrorKind.ProtocolError, "IscsiLoginProtocolError"),
                LoginFailure.Redirected => (ErrorKind.ConnectionError, "IscsiRedirected"),
                _ => (ErrorKind.InvalidOperation, "IscsiLoginRejected"),
            },
            IscsiLoginTimeoutException => (ErrorKind.OperationTimeout, "IscsiLoginTimeout"),
            IscsiSessionExistsException => (ErrorKind.ResourceExists, "IscsiSessionExists"),
            IscsiSessionNotFoundException => (ErrorKind.ObjectNotFound, "IscsiSessionNotFound"),
            IscsiLunNotFoundException => (ErrorKind.ObjectNotFound, "IscsiLunNotFound"),
            IscsiLunNotBlockDeviceException => (ErrorKind.InvalidOperation, "IscsiLunNotBlockDevice"),
            IscsiConnectException => (ErrorKind.ConnectionError, "IscsiConnectFailed"),
            IscsiSessionLostException => (ErrorKind.ConnectionError, "IscsiSessionLost"),
            IscsiConnectionClosedException => (ErrorKind.ConnectionError, "IscsiConnectionClosed"),
            IscsiDigestException => (ErrorKind.InvalidData, "IscsiDigestMismatch"),
            IscsiProtocolException => (ErrorKind.ProtocolError, "IscsiProtocolError"),
            ScsiCommandException => (ErrorKind.DeviceError, "ScsiCommandFailed"),
            DhcpAgentException agent => agent.Error switch
            {
                DhcpAgentError.UnknownInterface => (ErrorKind.ObjectNotFound, "DhcpUnknownInterface"),
                DhcpAgentError.NotAllowedInState => (ErrorKind.InvalidOperation, "DhcpNotAllowedInState"),
                DhcpAgentError.Pending => (ErrorKind.ResourceBusy, "DhcpCommandPending"),
                DhcpAgentError.Bootp => (ErrorKind.InvalidOperation, "DhcpBootpLease"),
                DhcpAgentError.FailedInterface => (ErrorKind.ResourceUnavailable, "DhcpInterfaceFailed"),
                DhcpAgentError.Timeout => (ErrorKind.OperationTimeout, "DhcpNoAnswer"),
                DhcpAgentError.Permission => (ErrorKind.PermissionDenied, "DhcpPermissionDenied"),
                DhcpAgentError.NoOption => (ErrorKind.ObjectNotFound, "DhcpOptionNotFound"),
                _ => (ErrorKind.InvalidOperation, "DhcpNotSupported"),
            },
            DhcpFormatException => (ErrorKind.InvalidData, "DhcpMalformedMessage"),
            DhcpArgumentException argument => (argument.Kind, argument.ErrorId),
            AgentFaultException remote => (remote.Kind, remote.ErrorId),
            AgentUnavailableException => (ErrorKind.ResourceUnavailable, "IscsiDhcpAgentUnavailable"),
            NbdDriverUnavailableException => (ErrorKind.ResourceUnavailable, "NbdDriverUnavailable"),
            NbdException => (ErrorKind.DeviceError, "NbdRequestFailed"),
            AgentProtocolException => (ErrorKind.ProtocolError, "IscsiDhcpAgentProtocolError"),
            AgentPermissionException => (ErrorKind.PermissionDenied, "IscsiDhcpAgentPermissionDenied"),
            UnauthorizedAccessException => (ErrorKind.PermissionDenied, "PermissionDenied"),
            NotSupportedException => (ErrorKind.InvalidOperation, "NotSupported"),
            TimeoutException => (ErrorKind.OperationTimeout, "Timeout"),
            OperationCanceledException => (ErrorKind.OperationStopped, "Stopped"),
            ArgumentException => (ErrorKind.InvalidArgument, "InvalidArgument"),
            ObjectDisposedException => (ErrorKind.InvalidOperation, "ObjectClosed"),
            FileNotFoundException or DirectoryNotFoundException => (ErrorKind.ObjectNotFound, "FileNotFound"),
            IOException => (ErrorKind.DeviceError, "IoError"),
            InvalidDataException => (ErrorKind.InvalidData, "InvalidData"),
            _ => (ErrorKind.InvalidOperation, "UnexpectedError"),
        };
    }
}
