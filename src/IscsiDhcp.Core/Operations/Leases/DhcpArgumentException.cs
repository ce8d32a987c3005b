using System;

namespace IscsiDhcp.Operations.Leases
{
    /// <summary>
    /// A cmdlet parameter the DHCP side cannot take: the message names the parameter as the
    /// user typed it (-InterfaceName), and the error id and kind are the catalog's for it. It
    /// is an ArgumentException (callers that catch those still do), but the parameter name is
    /// kept out of the base class, whose message would add "(Parameter 'x')".
    /// </summary>
    public sealed class DhcpArgumentException : ArgumentException
    {
        public DhcpArgumentException(string parameter, string errorId, ErrorKind kind, string message) : base(message)
        {
            Parameter = parameter;
            ErrorId = errorId;
            Kind = kind;
        }

        /// <summary>The cmdlet's parameter, without the dash (InterfaceName).</summary>
        public string Parameter { get; }
        /// <summary>Stable; the FullyQualifiedErrorId's first part.</summary>
        public string ErrorId { get; }
        public ErrorKind Kind { get; }

        public static DhcpArgumentException Invalid(string parameter, string errorId, string message) =>
            new(parameter, errorId, ErrorKind.InvalidArgument, message);
    }
}
