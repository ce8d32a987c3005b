namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>The states of iscontrol's session state machine (FreeBSD sbin/iscontrol/fsm.c, S1 to S8).</summary>
    public enum IscsiSessionState
    {
        /// <summary>S1: no connection; about to connect, or waiting before the next try.</summary>
        Free,
        /// <summary>S2: TCP connected, login not started.</summary>
        XptWait,
        /// <summary>S4: logging in.</summary>
        InLogin,
        /// <summary>S5: full feature phase, supervised by keep-alive.</summary>
        LoggedIn,
        /// <summary>S6: logging out.</summary>
        InLogout,
        /// <summary>S7: the target asked us to log out.</summary>
        LogoutRequested,
        /// <summary>S8: ended; the reason is in the last transition.</summary>
        CleanupWait,
    }
}
