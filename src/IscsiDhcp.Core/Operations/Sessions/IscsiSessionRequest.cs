using System;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// What it takes to start a supervised session, as data: where, who logs in and how, and
    /// how the session and its supervisor behave. Everything here can be written to a message
    /// (the CHAP secrets too, for an agent that logs in on the caller's behalf).
    /// </summary>
    public sealed record IscsiSessionRequest
    {
        public IscsiSessionRequest(TargetAddress portal, LoginSettings settings, IscsiSessionOptions? sessionOptions = null, IscsiSupervisorOptions? supervision = null)
        {
            Portal = portal ?? throw new ArgumentNullException(nameof(portal));
            Settings = settings ?? throw new ArgumentNullException(nameof(settings));
            SessionOptions = sessionOptions ?? new IscsiSessionOptions();
            Supervision = supervision ?? new IscsiSupervisorOptions();
        }

        public TargetAddress Portal { get; init; }
        public LoginSettings Settings { get; init; }
        public IscsiSessionOptions SessionOptions { get; init; }
        public IscsiSupervisorOptions Supervision { get; init; }

        /// <summary>A session the agent keeps: logged in again whenever the agent starts, retried for as long as it runs.</summary>
        public bool IsPersistent { get; init; }
    }
}
