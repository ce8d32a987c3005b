namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>Why a login did not reach full feature phase, from its status class and detail (RFC 7143 section 11.13.5).</summary>
    public enum LoginFailure
    {
        /// <summary>Class 1: the target is elsewhere for now (detail 1) or for good (detail 2); see TargetAddress.</summary>
        Redirected,
        /// <summary>Class 2 detail 1, or a target that failed mutual CHAP.</summary>
        AuthenticationFailed,
        /// <summary>Class 2 detail 2: authenticated but not allowed.</summary>
        AuthorizationFailed,
        /// <summary>Class 2 detail 3.</summary>
        TargetNotFound,
        /// <summary>Class 2 detail 4.</summary>
        TargetRemoved,
        /// <summary>Class 2 detail 5.</summary>
        UnsupportedVersion,
        /// <summary>Class 2 detail 6.</summary>
        TooManyConnections,
        /// <summary>Class 2 detail 7.</summary>
        MissingParameter,
        /// <summary>Class 2 detail 8.</summary>
        CannotIncludeInSession,
        /// <summary>Class 2 detail 9.</summary>
        SessionTypeNotSupported,
        /// <summary>Class 2 detail 10.</summary>
        SessionDoesNotExist,
        /// <summary>Class 2 detail 11.</summary>
        InvalidDuringLogin,
        /// <summary>Class 2 detail 0 or one we do not know.</summary>
        InitiatorError,
        /// <summary>Class 3 detail 1: try again later.</summary>
        ServiceUnavailable,
        /// <summary>Class 3 detail 2: try again later.</summary>
        OutOfResources,
        /// <summary>Class 3 detail 0 or one we do not know.</summary>
        TargetError,
        /// <summary>The target broke the login protocol (bad keys, values out of range, too many rounds).</summary>
        ProtocolError,
        /// <summary>Redirect after redirect in one login: a loop the supervisor cut.</summary>
        TooManyRedirects,
    }
}
