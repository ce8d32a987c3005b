namespace IscsiDhcp.Operations
{
    /// <summary>The kinds of failure an operation reports; each is the PowerShell ErrorCategory of the same name.</summary>
    public enum ErrorKind
    {
        ConnectionError,
        DeviceError,
        InvalidArgument,
        InvalidData,
        InvalidOperation,
        LimitsExceeded,
        ObjectNotFound,
        OperationStopped,
        OperationTimeout,
        PermissionDenied,
        ProtocolError,
        ReadError,
        ResourceBusy,
        ResourceExists,
        ResourceUnavailable,
        SecurityError,
        WriteError,
    }
}
