using System;
using IscsiDhcp.Iscsi.Text;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>What the supervisor's state machine asks its runner to do next.</summary>
    readonly struct SupervisorStep
    {
        SupervisorStep(SupervisorStepKind kind, TargetAddress? portal = null, DateTimeOffset until = default)
        {
            Kind = kind;
            Portal = portal;
            Until = until;
        }

        public SupervisorStepKind Kind { get; }
        /// <summary>For <see cref="SupervisorStepKind.Connect"/>: where.</summary>
        public TargetAddress? Portal { get; }
        /// <summary>For <see cref="SupervisorStepKind.Wait"/>: until when.</summary>
        public DateTimeOffset Until { get; }

        public static SupervisorStep Connect(TargetAddress portal) => new(SupervisorStepKind.Connect, portal);
        public static SupervisorStep Wait(DateTimeOffset until) => new(SupervisorStepKind.Wait, until: until);
        public static readonly SupervisorStep Supervise = new(SupervisorStepKind.Supervise);
        public static readonly SupervisorStep Logout = new(SupervisorStepKind.Logout);
        public static readonly SupervisorStep Close = new(SupervisorStepKind.Close);
        public static readonly SupervisorStep Continue = new(SupervisorStepKind.Continue);

        public override string ToString() => Kind switch
        {
            SupervisorStepKind.Connect => $"Connect {Portal}",
            SupervisorStepKind.Wait => $"Wait until {Until:HH:mm:ss.fff}",
            _ => Kind.ToString(),
        };
    }

    enum SupervisorStepKind
    {
        /// <summary>Connect to the portal and log in.</summary>
        Connect,
        /// <summary>Wait, then tell the machine the time has come.</summary>
        Wait,
        /// <summary>Run the logged-in session with keep-alive until something happens.</summary>
        Supervise,
        /// <summary>Log the session out (after draining commands when disconnecting).</summary>
        Logout,
        /// <summary>Drop the connection, if any; the supervisor has ended.</summary>
        Close,
        /// <summary>Nothing new: carry on with what is under way.</summary>
        Continue,
    }
}
