using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Transport;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Tests.Operations;

public sealed class ErrorCatalogTests
{
    public static TheoryData<Exception, ErrorKind, string> Table => new()
    {
        { IscsiLoginException.FromStatus(2, 1, "t", null), ErrorKind.SecurityError, "IscsiAuthenticationFailed" },
        { IscsiLoginException.FromStatus(2, 2, "t", null), ErrorKind.SecurityError, "IscsiAuthorizationFailed" },
        { IscsiLoginException.FromStatus(2, 3, "t", null), ErrorKind.ObjectNotFound, "IscsiTargetNotFound" },
        { IscsiLoginException.FromStatus(3, 1, "t", null), ErrorKind.ResourceUnavailable, "IscsiTargetUnavailable" },
        { new IscsiLoginException(LoginFailure.TooManyRedirects, "loop"), ErrorKind.LimitsExceeded, "IscsiRedirectLoop" },
        { new IscsiConnectException(TargetAddress.Parse("192.0.2.1"), "refused"), ErrorKind.ConnectionError, "IscsiConnectFailed" },
        { new IscsiSessionLostException("gone"), ErrorKind.ConnectionError, "IscsiSessionLost" },
        { new IscsiSessionExistsException("iqn.2026-11.test:t", "iqn.2026-11.test:i", "C0-0001"), ErrorKind.ResourceExists, "IscsiSessionExists" },
        { new IscsiLoginTimeoutException("no login within 3 s", null), ErrorKind.OperationTimeout, "IscsiLoginTimeout" },
        { new IscsiLunNotFoundException("iqn.2026-11.test:t", 99), ErrorKind.ObjectNotFound, "IscsiLunNotFound" },
        { new IscsiLunNotBlockDeviceException("iqn.2026-11.test:t", 0, "StorageArrayController", 0x0C), ErrorKind.InvalidOperation, "IscsiLunNotBlockDevice" },
        { new DhcpAgentException(DhcpAgentError.NotAllowedInState, "no"), ErrorKind.InvalidOperation, "DhcpNotAllowedInState" },
        { new DhcpAgentException(DhcpAgentError.Pending, "busy"), ErrorKind.ResourceBusy, "DhcpCommandPending" },
        { new DhcpAgentException(DhcpAgentError.Timeout, "no offer"), ErrorKind.OperationTimeout, "DhcpNoAnswer" },
        { new DhcpAgentException(DhcpAgentError.Permission, "port 68"), ErrorKind.PermissionDenied, "DhcpPermissionDenied" },
        { new TimeoutException(), ErrorKind.OperationTimeout, "Timeout" },
        { new OperationCanceledException(), ErrorKind.OperationStopped, "Stopped" },
        { new ArgumentException("bad"), ErrorKind.InvalidArgument, "InvalidArgument" },
        { new InvalidOperationException("odd"), ErrorKind.InvalidOperation, "UnexpectedError" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Core_failures_map_to_a_kind_and_a_stable_id(Exception exception, ErrorKind kind, string id)
    {
        var error = ErrorCatalog.Classify(exception, "target");
        Assert.Equal((kind, id, "target"), (error.Kind, error.ErrorId, error.Target));
        Assert.Same(exception, error.Exception);
    }
}
