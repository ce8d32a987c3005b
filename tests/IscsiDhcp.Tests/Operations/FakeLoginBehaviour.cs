namespace IscsiDhcp.Tests.Operations;

/// <summary>How a fake target answers a login.</summary>
public enum FakeLoginBehaviour
{
    Accept,
    /// <summary>Refused: authentication failed (a CHAP secret that does not match).</summary>
    RefuseAuthentication,
    /// <summary>Connected, but no answer to the login: the session ends at the request's FirstLoginTimeout.</summary>
    Silent,
}
