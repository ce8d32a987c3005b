using System;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>A login that did not succeed, with the precise reason and, for a redirect, where to go.</summary>
    public sealed class IscsiLoginException : Exception
    {
        public IscsiLoginException(LoginFailure failure, string message, byte statusClass = 0, byte statusDetail = 0, TargetAddress? redirect = null)
            : base(message)
        {
            Failure = failure;
            StatusClass = statusClass;
            StatusDetail = statusDetail;
            Redirect = redirect;
        }

        public LoginFailure Failure { get; }
        public byte StatusClass { get; }
        public byte StatusDetail { get; }
        /// <summary>For <see cref="LoginFailure.Redirected"/>: the portal to log in at.</summary>
        public TargetAddress? Redirect { get; }
        /// <summary>The CHAP algorithm the target had chosen when the login failed, if it got that far.</summary>
        public ChapAlgorithm? ChapAlgorithm { get; internal set; }
        public bool IsPermanentRedirect => Failure == LoginFailure.Redirected && StatusDetail == 2;

        /// <summary>Class 3 failures (and a redirect) may succeed when tried again; class 2 ones never do.</summary>
        public bool IsRetryable => Failure is LoginFailure.ServiceUnavailable or LoginFailure.OutOfResources or LoginFailure.TargetError;

        /// <summary>The failure a login response's status names.</summary>
        public static IscsiLoginException FromStatus(byte statusClass, byte statusDetail, string target, TargetAddress? redirect)
        {
            var failure = (statusClass, statusDetail) switch
            {
                (1, _) => LoginFailure.Redirected,
                (2, 1) => LoginFailure.AuthenticationFailed,
                (2, 2) => LoginFailure.AuthorizationFailed,
                (2, 3) => LoginFailure.TargetNotFound,
                (2, 4) => LoginFailure.TargetRemoved,
                (2, 5) => LoginFailure.UnsupportedVersion,
                (2, 6) => LoginFailure.TooManyConnections,
                (2, 7) => LoginFailure.MissingParameter,
                (2, 8) => LoginFailure.CannotIncludeInSession,
                (2, 9) => LoginFailure.SessionTypeNotSupported,
                (2, 10) => LoginFailure.SessionDoesNotExist,
                (2, 11) => LoginFailure.InvalidDuringLogin,
                (2, _) => LoginFailure.InitiatorError,
                (3, 1) => LoginFailure.ServiceUnavailable,
                (3, 2) => LoginFailure.OutOfResources,
                _ => LoginFailure.TargetError,
            };
            var message = failure == LoginFailure.Redirected
                ? $"{target} moved {(statusDetail == 2 ? "permanently" : "temporarily")} to {redirect?.ToString() ?? "an unnamed portal"}"
                : $"login to {target} failed: {failure} (status 0x{statusClass:X2}{statusDetail:X2})";
            return new IscsiLoginException(failure, message, statusClass, statusDetail, redirect);
        }
    }
}
