using System;
using System.Collections.Generic;
using System.Net.Sockets;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Transport;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>
    /// The supervisor's decisions without its I/O (events in, steps out, time passed in): the
    /// transitions of iscontrol's fsm.c (T1 connect, T4 login, T5 logged in, T7 back to Free
    /// after a redirect or a retryable failure, T8 reconnect, T9 logout, T11 logout requested
    /// by the target, T13/T18 back to Free after it, T15/T16 end), its fall-back to the
    /// original portal when a redirected one cannot be reached, its bounded login rounds and
    /// its "too many reconnects"; plus back-off that honours DefaultTime2Wait and a
    /// replacement deadline for the commands waiting on a recovery.
    /// </summary>
    sealed class SupervisorMachine
    {
        readonly IscsiSupervisorOptions options;
        readonly string targetName;
        readonly Func<double> jitter;
        readonly Action<IscsiSessionStateChange> changed;
        readonly Queue<DateTimeOffset> recentReconnects = new();
        int redirectsThisRound;
        int failedAttempts;
        int backoffAttempt;
        TimeSpan time2Wait;
        bool reconnectAfterLogout;
        bool disconnecting;
        // Why the machine went back to the original portal, for the reason of the next transition.
        string? fallbackNote;

        // jitter: uniform in [0, 1), spreads the reconnects of many initiators apart.
        public SupervisorMachine(IscsiSupervisorOptions options, string targetName, TargetAddress portal, Func<double> jitter,
            Action<IscsiSessionStateChange> changed)
        {
            this.options = options;
            this.targetName = targetName;
            this.jitter = jitter;
            this.changed = changed;
            Portal = portal;
            OriginalPortal = portal;
        }

        public IscsiSessionState State { get; private set; } = IscsiSessionState.Free;
        /// <summary>The portal in use, or the next to try.</summary>
        public TargetAddress Portal { get; private set; }
        /// <summary>The session's own portal: the one it was given, or where a permanent redirect sent it.</summary>
        public TargetAddress OriginalPortal { get; private set; }
        public DateTimeOffset? ConnectedSince { get; private set; }
        public int ReconnectCount { get; private set; }
        public int RedirectCount { get; private set; }
        public Exception? LastError { get; private set; }
        public bool HasLoggedIn { get; private set; }
        /// <summary>While a lost session is being recovered: when waiting commands give up.</summary>
        public DateTimeOffset? RecoveryDeadline { get; private set; }
        /// <summary>Why the supervisor ended, if it ended on a failure.</summary>
        public Exception? TerminalError { get; private set; }
        public bool IsDisconnecting => disconnecting;

        public SupervisorStep Start() => SupervisorStep.Connect(Portal);

        /// <summary>TCP is up (T1) and the login begins (T4); <paramref name="why"/> says why a login takes another connection.</summary>
        public void OnConnected(DateTimeOffset now, string? why = null)
        {
            var connected = why is not null ? $"connected to {Portal} again: {why}"
                : fallbackNote is not null ? $"connected to {Portal}: {fallbackNote}"
                : $"connected to {Portal}";
            fallbackNote = null;
            Move(now, IscsiSessionState.XptWait, connected);
            Move(now, IscsiSessionState.InLogin, "logging in");
        }

        /// <summary>No TCP connection to <see cref="Portal"/>.</summary>
        public SupervisorStep OnConnectFailed(DateTimeOffset now, Exception error)
        {
            LastError = error;
            if (!Portal.Equals(OriginalPortal))
            {
                // As iscontrol does: a redirected portal that cannot be reached sends us back.
                var redirected = Portal;
                Portal = OriginalPortal;
                // Still Free, so no transition: the next one (connected, or the end) says why.
                fallbackNote = $"back from redirected portal {redirected}, unreachable ({error.Message})";
                return SupervisorStep.Connect(Portal);
            }
            fallbackNote = null;
            // A name that does not resolve is the user's mistake until it has worked once (DNS may fail for a while later).
            if (!HasLoggedIn && IsUnresolvable(error)) return End(now, error);
            // IscsiConnectException says "cannot connect to <portal>" itself.
            return TryAgain(now, error is IscsiConnectException ? error.Message : $"cannot connect to {Portal}: {error.Message}", error);
        }

        static bool IsUnresolvable(Exception error) =>
            error is IscsiConnectException { InnerException: SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } };

        /// <summary>
        /// The first login has not succeeded within <see cref="IscsiSupervisorOptions.FirstLoginTimeout"/>:
        /// the end, with a message that says how long it really tried and what happened last.
        /// </summary>
        public SupervisorStep OnFirstLoginExpired(DateTimeOffset now, TimeSpan elapsed, Exception? error = null)
        {
            var last = error is null or OperationCanceledException ? LastError : error;
            // The attempt under way when time ran out counts too.
            var attempts = failedAttempts + (error is not null || State != IscsiSessionState.Free ? 1 : 0);
            var what = State switch
            {
                IscsiSessionState.InLogin or IscsiSessionState.XptWait => $"connected to {Portal}, but the login got no answer",
                _ when last is not null => $"last error: {last.Message}",
                _ => $"no TCP connection to {Portal}",
            };
            return End(now, new IscsiLoginTimeoutException(
                $"no login to {targetName} at {Portal} within {elapsed.TotalSeconds:0.0} s ({Math.Max(attempts, 1)} attempt{(attempts > 1 ? "s" : "")}); {what}", last));
        }

        /// <summary>Connected, but the login did not reach full feature phase.</summary>
        public SupervisorStep OnLoginFailed(DateTimeOffset now, Exception error)
        {
            LastError = error;
            if (error is IscsiLoginException { Failure: LoginFailure.Redirected, Redirect: { } to } redirect)
            {
                RedirectCount++;
                if (++redirectsThisRound > options.MaxRedirects)
                    return End(now, new IscsiLoginException(LoginFailure.TooManyRedirects,
                        $"{targetName} redirected us {redirectsThisRound} times in one login (last to {to}); giving up on a redirect loop"));
                var permanent = redirect.IsPermanentRedirect;
                if (permanent) OriginalPortal = to;
                Portal = to;
                Move(now, IscsiSessionState.Free, $"redirected {(permanent ? "permanently" : "temporarily")} to {to}", error);
                return SupervisorStep.Connect(Portal);
            }
            // Initiator errors (authentication, no such target, ...) never get better by trying again,
            // with one exception: a session that has logged in before is recovering, and a target
            // restarting may not have its targets back yet (tgtd listens before tgt-admin configures
            // them), so "not found" and "removed" are tried again until the replacement timeout.
            if (error is IscsiLoginException { IsRetryable: false } login
                && !(HasLoggedIn && login.Failure is LoginFailure.TargetNotFound or LoginFailure.TargetRemoved))
                return End(now, error);
            return TryAgain(now, $"login failed: {error.Message}", error);
        }

        public SupervisorStep OnLoggedIn(DateTimeOffset now, TimeSpan defaultTime2Wait)
        {
            time2Wait = defaultTime2Wait;
            redirectsThisRound = 0;
            failedAttempts = 0;
            HasLoggedIn = true;
            ConnectedSince = now;
            RecoveryDeadline = null;
            Move(now, IscsiSessionState.LoggedIn, $"logged in at {Portal}");
            return SupervisorStep.Supervise;
        }

        /// <summary>The logged-in connection failed: TCP error, unanswered NOP, or the target dropped it.</summary>
        public SupervisorStep OnConnectionLost(DateTimeOffset now, string reason, Exception? error)
        {
            if (State != IscsiSessionState.LoggedIn) return SupervisorStep.Continue;
            LastError = error ?? LastError;
            // A session that stayed up a while earns a fresh back-off; one that keeps dying does not.
            if (ConnectedSince is { } since && now - since >= options.ReconnectStormWindow) backoffAttempt = 0;
            ConnectedSince = null;
            Portal = OriginalPortal;
            if (CountReconnect(now) is { } storm) return End(now, storm);
            RecoveryDeadline = now + options.ReplacementTimeout;
            Move(now, IscsiSessionState.Free, reason, error);
            return SupervisorStep.Wait(now + NextDelay());
        }

        /// <summary>The target's Asynchronous Message asked for a logout (T11); it wants us back after Time2Wait.</summary>
        public SupervisorStep OnLogoutRequested(DateTimeOffset now, TimeSpan wait)
        {
            if (State != IscsiSessionState.LoggedIn) return SupervisorStep.Continue;
            time2Wait = wait > time2Wait ? wait : time2Wait;
            reconnectAfterLogout = true;
            Move(now, IscsiSessionState.LogoutRequested, "the target asked for a logout");
            return SupervisorStep.Logout;
        }

        /// <summary>The runner is sending the Logout Request (T9 from LoggedIn, T10 from LogoutRequested).</summary>
        public void OnLogoutStarted(DateTimeOffset now)
        {
            if (State != IscsiSessionState.InLogout) Move(now, IscsiSessionState.InLogout, "logging out");
        }

        /// <summary>The logout ended, answered or not (the connection is closed either way).</summary>
        public SupervisorStep OnLoggedOut(DateTimeOffset now, Exception? error)
        {
            ConnectedSince = null;
            if (reconnectAfterLogout && !disconnecting)
            {
                reconnectAfterLogout = false;
                Portal = OriginalPortal;
                if (CountReconnect(now) is { } storm) return End(now, storm);
                RecoveryDeadline = now + options.ReplacementTimeout;
                Move(now, IscsiSessionState.Free, $"logged out as the target asked; back in {time2Wait.TotalSeconds:0.#} s (DefaultTime2Wait)", error);
                return SupervisorStep.Wait(now + time2Wait);
            }
            Move(now, IscsiSessionState.CleanupWait, error is null ? "logged out" : $"logout unanswered ({error.Message}); connection closed", error);
            return SupervisorStep.Close;
        }

        /// <summary>The owner ends the session: by logout after its commands drain, or at once when forced.</summary>
        public SupervisorStep OnDisconnect(DateTimeOffset now, bool force)
        {
            disconnecting = true;
            switch (State)
            {
                case IscsiSessionState.CleanupWait:
                    return SupervisorStep.Continue;
                case IscsiSessionState.LoggedIn when !force:
                    return SupervisorStep.Logout;
                case IscsiSessionState.InLogout or IscsiSessionState.LogoutRequested when !force:
                    return SupervisorStep.Continue;   // already on its way out
                default:
                    Move(now, IscsiSessionState.CleanupWait, force ? "dropped without logout" : $"disconnected while {State}");
                    return SupervisorStep.Close;
            }
        }

        /// <summary>A <see cref="SupervisorStepKind.Wait"/> is over.</summary>
        public SupervisorStep OnWaitOver() => State == IscsiSessionState.Free ? SupervisorStep.Connect(Portal) : SupervisorStep.Continue;

        SupervisorStep TryAgain(DateTimeOffset now, string reason, Exception error)
        {
            if (!HasLoggedIn && ++failedAttempts >= options.LoginAttempts)
                return End(now, error);
            var delay = NextDelay();
            Move(now, IscsiSessionState.Free, $"{reason}; trying again in {delay.TotalSeconds:0.#} s", error);
            return SupervisorStep.Wait(now + delay);
        }

        /// <summary>Capped exponential back-off with up to 25% jitter, never shorter than the target's DefaultTime2Wait.</summary>
        TimeSpan NextDelay()
        {
            var exponential = options.ReconnectDelay.Ticks * Math.Pow(2, Math.Min(backoffAttempt++, 30));
            var delay = Math.Min(exponential, options.MaxReconnectDelay.Ticks);
            delay = Math.Max(delay, time2Wait.Ticks);
            return TimeSpan.FromTicks((long)(delay * (1 + (0.25 * jitter()))));
        }

        IscsiSessionLostException? CountReconnect(DateTimeOffset now)
        {
            ReconnectCount++;
            recentReconnects.Enqueue(now);
            while (recentReconnects.Count > 0 && now - recentReconnects.Peek() > options.ReconnectStormWindow) recentReconnects.Dequeue();
            if (recentReconnects.Count < options.ReconnectStormLimit) return null;
            return new IscsiSessionLostException(
                $"too many reconnects to {targetName}: {recentReconnects.Count} within {options.ReconnectStormWindow.TotalSeconds:0.#} s; the last because: {LastError?.Message ?? "the connection failed"}",
                LastError);
        }

        SupervisorStep End(DateTimeOffset now, Exception error)
        {
            TerminalError = error;
            LastError = error;
            Move(now, IscsiSessionState.CleanupWait, error.Message, error);
            return SupervisorStep.Close;
        }

        void Move(DateTimeOffset now, IscsiSessionState to, string reason, Exception? error = null)
        {
            var from = State;
            // Staying where it is (a connect that failed while Free) is no transition: LastError says why.
            if (from == to) return;
            State = to;
            changed(new IscsiSessionStateChange(now, targetName, from, to, reason, error));
        }
    }
}
