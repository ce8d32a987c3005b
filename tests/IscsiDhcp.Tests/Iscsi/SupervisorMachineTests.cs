using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Transport;
using System.Net.Sockets;
using S = IscsiDhcp.Iscsi.Supervisor.IscsiSessionState;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>The supervisor's state machine on a made-up clock: every transition of iscontrol's fsm.c and the limits around them.</summary>
public sealed class SupervisorMachineTests
{
    static readonly TargetAddress A = TargetAddress.Parse("192.0.2.1:3260");
    static readonly TargetAddress B = TargetAddress.Parse("192.0.2.2:3261");
    static readonly DateTimeOffset T0 = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    readonly List<IscsiSessionStateChange> changes = [];
    double jitter;

    SupervisorMachine Machine(IscsiSupervisorOptions? options = null) =>
        new(options ?? new IscsiSupervisorOptions(), "iqn.2026-11.test:t", A, () => jitter, changes.Add);

    static IscsiLoginException Redirect(TargetAddress to, bool permanent) =>
        IscsiLoginException.FromStatus(1, (byte)(permanent ? 2 : 1), "t", to);

    static IscsiLoginException Status(byte statusClass, byte detail) => IscsiLoginException.FromStatus(statusClass, detail, "t", null);

    SupervisorMachine LoggedIn(IscsiSupervisorOptions? options = null, TimeSpan? time2Wait = null)
    {
        var m = Machine(options);
        m.Start();
        m.OnConnected(T0);
        Assert.Equal(SupervisorStepKind.Supervise, m.OnLoggedIn(T0, time2Wait ?? TimeSpan.FromSeconds(2)).Kind);
        changes.Clear();
        return m;
    }

    IEnumerable<(S, S)> Path => changes.Select(c => (c.From, c.To));

    [Fact]
    public void Connect_login_and_full_feature_pass_through_XptWait_and_InLogin()
    {
        var m = Machine();
        var step = m.Start();
        Assert.Equal((SupervisorStepKind.Connect, A), (step.Kind, step.Portal));
        m.OnConnected(T0);
        Assert.Equal(SupervisorStepKind.Supervise, m.OnLoggedIn(T0.AddSeconds(1), TimeSpan.FromSeconds(2)).Kind);
        Assert.Equal([(S.Free, S.XptWait), (S.XptWait, S.InLogin), (S.InLogin, S.LoggedIn)], Path);
        Assert.Equal(T0.AddSeconds(1), m.ConnectedSince);
        Assert.All(changes, c => Assert.Equal("iqn.2026-11.test:t", c.TargetName));
    }

    [Fact]
    public void A_first_login_gives_up_after_its_attempts_with_back_off_between()
    {
        var m = Machine(new IscsiSupervisorOptions { LoginAttempts = 3, ReconnectDelay = TimeSpan.FromSeconds(1) });
        m.Start();
        var refused = new IscsiConnectException(A, "refused");
        var first = m.OnConnectFailed(T0, refused);
        Assert.Equal((SupervisorStepKind.Wait, T0.AddSeconds(1)), (first.Kind, first.Until));
        Assert.Equal(SupervisorStepKind.Connect, m.OnWaitOver().Kind);
        var second = m.OnConnectFailed(T0.AddSeconds(1), refused);
        Assert.Equal(T0.AddSeconds(3), second.Until);   // doubled
        Assert.Equal(SupervisorStepKind.Close, m.OnConnectFailed(T0.AddSeconds(3), refused).Kind);
        Assert.Equal(S.CleanupWait, m.State);
        Assert.Same(refused, m.TerminalError);
    }

    [Fact]
    public void A_connect_that_fails_while_Free_is_no_transition_and_a_retry_says_its_reason_once()
    {
        var m = Machine();
        m.Start();
        var refused = new IscsiConnectException(A, $"cannot connect to {A}: 192.0.2.1: Connection refused");
        Assert.Equal(SupervisorStepKind.Wait, m.OnConnectFailed(T0, refused).Kind);
        Assert.Empty(changes);   // Free -> Free is no transition
        Assert.Same(refused, m.LastError);
        Assert.Equal(SupervisorStepKind.Connect, m.OnWaitOver().Kind);
        m.OnConnected(T0.AddSeconds(1));
        m.OnLoginFailed(T0.AddSeconds(1), Status(3, 1));
        var retry = changes.Last();
        Assert.Equal((S.InLogin, S.Free), (retry.From, retry.To));
        Assert.Matches(@"^login failed: .*; trying again in \d+(\.\d)? s$", retry.Reason);
        Assert.All(changes, c => Assert.NotEqual(c.From, c.To));
    }

    [Fact]
    public void A_portal_name_that_does_not_resolve_ends_the_first_login_at_once()
    {
        var m = Machine();
        m.Start();
        var unresolvable = new IscsiConnectException(A, "cannot resolve no-such-portal.invalid", new SocketException((int)SocketError.HostNotFound));
        Assert.Equal(SupervisorStepKind.Close, m.OnConnectFailed(T0, unresolvable).Kind);
        Assert.Same(unresolvable, m.TerminalError);
    }

    [Fact]
    public void Once_logged_in_a_name_that_stops_resolving_is_tried_again()
    {
        var m = LoggedIn();
        m.OnConnectionLost(T0.AddMinutes(5), "connection lost", null);
        Assert.Equal(SupervisorStepKind.Connect, m.OnWaitOver().Kind);
        var unresolvable = new IscsiConnectException(A, "cannot resolve", new SocketException((int)SocketError.HostNotFound));
        Assert.Equal(SupervisorStepKind.Wait, m.OnConnectFailed(T0.AddMinutes(6), unresolvable).Kind);
    }

    [Fact]
    public void The_first_login_running_out_of_time_ends_it_with_the_time_spent_and_the_last_error()
    {
        var m = Machine();
        m.Start();
        m.OnConnectFailed(T0, new IscsiConnectException(A, $"cannot connect to {A}: 192.0.2.1: Connection refused"));
        var step = m.OnFirstLoginExpired(T0.AddSeconds(3.04), TimeSpan.FromSeconds(3.04));
        Assert.Equal(SupervisorStepKind.Close, step.Kind);
        var timeout = Assert.IsType<IscsiLoginTimeoutException>(m.TerminalError);
        Assert.Equal($"no login to iqn.2026-11.test:t at {A} within 3.0 s (1 attempt); last error: cannot connect to {A}: 192.0.2.1: Connection refused", timeout.Message);
        Assert.Equal((S.Free, S.CleanupWait), Path.Single());
    }

    [Fact]
    public void An_authentication_failure_ends_at_once_without_a_retry()
    {
        var m = Machine();
        m.Start();
        m.OnConnected(T0);
        var rejected = Status(2, 1);
        Assert.Equal(SupervisorStepKind.Close, m.OnLoginFailed(T0, rejected).Kind);
        Assert.Equal((S.InLogin, S.CleanupWait), Path.Last());
        Assert.Equal(LoginFailure.AuthenticationFailed, Assert.IsType<IscsiLoginException>(m.TerminalError).Failure);
    }

    [Theory]
    [InlineData(3)]   // target not found
    [InlineData(4)]   // target removed
    public void Once_logged_in_a_target_that_is_not_there_yet_is_tried_again_until_the_replacement_timeout(byte detail)
    {
        // tgtd restarted listens before its targets are configured again (tgt-admin runs after the daemon): a reconnect in
        // between is told the target does not exist, and the session would end for good on a restart it could ride out.
        var m = LoggedIn(time2Wait: TimeSpan.Zero);
        var step = m.OnConnectionLost(T0.AddSeconds(1), "connection lost", null);
        Assert.Equal(SupervisorStepKind.Connect, m.OnWaitOver().Kind);
        m.OnConnected(step.Until);
        Assert.Equal(SupervisorStepKind.Wait, m.OnLoginFailed(step.Until, Status(2, detail)).Kind);
        Assert.Equal(S.Free, m.State);
        Assert.Null(m.TerminalError);
        Assert.Equal(SupervisorStepKind.Connect, m.OnWaitOver().Kind);
        m.OnConnected(step.Until.AddSeconds(1));
        Assert.Equal(SupervisorStepKind.Supervise, m.OnLoggedIn(step.Until.AddSeconds(1), TimeSpan.Zero).Kind);
    }

    [Fact]
    public void Once_logged_in_an_authentication_failure_still_ends_at_once()
    {
        var m = LoggedIn(time2Wait: TimeSpan.Zero);
        var step = m.OnConnectionLost(T0.AddSeconds(1), "connection lost", null);
        m.OnWaitOver();
        m.OnConnected(step.Until);
        Assert.Equal(SupervisorStepKind.Close, m.OnLoginFailed(step.Until, Status(2, 1)).Kind);
        Assert.Equal(LoginFailure.AuthenticationFailed, Assert.IsType<IscsiLoginException>(m.TerminalError).Failure);
    }

    [Fact]
    public void A_first_login_to_a_target_that_does_not_exist_ends_at_once()
    {
        var m = Machine();
        m.Start();
        m.OnConnected(T0);
        Assert.Equal(SupervisorStepKind.Close, m.OnLoginFailed(T0, Status(2, 3)).Kind);
        Assert.Equal(LoginFailure.TargetNotFound, Assert.IsType<IscsiLoginException>(m.TerminalError).Failure);
    }

    [Fact]
    public void A_target_error_is_retried_after_a_back_off_T7()
    {
        var m = Machine();
        m.Start();
        m.OnConnected(T0);
        var step = m.OnLoginFailed(T0, Status(3, 1));
        Assert.Equal(SupervisorStepKind.Wait, step.Kind);
        Assert.Equal((S.InLogin, S.Free), Path.Last());
        Assert.Equal((SupervisorStepKind.Connect, A), (m.OnWaitOver().Kind, m.Portal));
    }

    [Fact]
    public void A_temporary_redirect_is_followed_and_an_unreachable_one_falls_back_to_the_original_portal()
    {
        var m = Machine();
        m.Start();
        m.OnConnected(T0);
        var step = m.OnLoginFailed(T0, Redirect(B, permanent: false));
        Assert.Equal((SupervisorStepKind.Connect, B), (step.Kind, step.Portal));
        Assert.Equal(A, m.OriginalPortal);
        Assert.Equal(1, m.RedirectCount);
        // B refuses: straight back to A, no back-off (iscontrol: "reconnecting to original target address").
        step = m.OnConnectFailed(T0, new IscsiConnectException(B, "refused"));
        Assert.Equal((SupervisorStepKind.Connect, A), (step.Kind, step.Portal));
        Assert.Equal(S.Free, m.State);
    }

    [Fact]
    public void A_permanent_redirect_replaces_the_sessions_portal_for_later_reconnects()
    {
        var m = Machine();
        m.Start();
        m.OnConnected(T0);
        m.OnLoginFailed(T0, Redirect(B, permanent: true));
        m.OnConnected(T0);
        m.OnLoggedIn(T0, TimeSpan.FromSeconds(2));
        Assert.Equal(B, m.OriginalPortal);
        m.OnConnectionLost(T0.AddSeconds(5), "lost", null);
        Assert.Equal((SupervisorStepKind.Connect, B), (m.OnWaitOver().Kind, m.Portal));
    }

    [Fact]
    public void After_a_temporary_redirect_a_reconnect_goes_to_the_original_portal()
    {
        var m = Machine();
        m.Start();
        m.OnConnected(T0);
        m.OnLoginFailed(T0, Redirect(B, permanent: false));
        m.OnConnected(T0);
        m.OnLoggedIn(T0, TimeSpan.FromSeconds(2));
        Assert.Equal(B, m.Portal);
        m.OnConnectionLost(T0.AddSeconds(5), "lost", null);
        Assert.Equal(A, m.OnWaitOver().Portal);
    }

    [Fact]
    public void A_redirect_loop_is_cut()
    {
        var m = Machine(new IscsiSupervisorOptions { MaxRedirects = 3 });
        m.Start();
        SupervisorStep step = default;
        for (var i = 0; i < 4; i++)
        {
            m.OnConnected(T0);
            step = m.OnLoginFailed(T0, Redirect(i % 2 == 0 ? B : A, permanent: false));
        }
        Assert.Equal(SupervisorStepKind.Close, step.Kind);
        Assert.Equal(LoginFailure.TooManyRedirects, Assert.IsType<IscsiLoginException>(m.TerminalError).Failure);
    }

    [Fact]
    public void A_lost_connection_reconnects_T8_after_at_least_DefaultTime2Wait()
    {
        var m = LoggedIn(time2Wait: TimeSpan.FromSeconds(20));
        var lost = new IscsiSessionLostException("reset");
        var step = m.OnConnectionLost(T0.AddSeconds(10), "connection lost", lost);
        Assert.Equal((SupervisorStepKind.Wait, T0.AddSeconds(30)), (step.Kind, step.Until));
        Assert.Equal([(S.LoggedIn, S.Free)], Path);
        Assert.Same(lost, changes[0].Error);
        Assert.Equal(1, m.ReconnectCount);
        Assert.Equal(T0.AddSeconds(10) + new IscsiSupervisorOptions().ReplacementTimeout, m.RecoveryDeadline);
        Assert.Null(m.ConnectedSince);
    }

    [Fact]
    public void Once_logged_in_a_recovery_keeps_trying_with_capped_jittered_back_off()
    {
        jitter = 0.99;
        var options = new IscsiSupervisorOptions { ReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromSeconds(8), LoginAttempts = 1 };
        var m = LoggedIn(options, TimeSpan.Zero);
        var now = T0.AddSeconds(1);
        var step = m.OnConnectionLost(now, "lost", null);
        var delays = new List<double>();
        for (var i = 0; i < 8; i++)
        {
            delays.Add((step.Until - now).TotalSeconds);
            now = step.Until;
            m.OnWaitOver();
            step = m.OnConnectFailed(now, new IscsiConnectException(A, "refused"));
            Assert.Equal(SupervisorStepKind.Wait, step.Kind);   // LoginAttempts only bounds the first login
        }
        Assert.Equal([1.2475, 2.495, 4.99, 9.98, 9.98, 9.98, 9.98, 9.98], delays.Select(d => Math.Round(d, 4)));
        Assert.Equal(S.Free, m.State);
        // Logging in again clears the deadline.
        m.OnConnected(now);
        m.OnLoggedIn(now, TimeSpan.Zero);
        Assert.Null(m.RecoveryDeadline);
    }

    [Fact]
    public void Too_many_reconnects_within_the_window_end_the_supervisor()
    {
        var options = new IscsiSupervisorOptions { ReconnectStormLimit = 4, ReconnectStormWindow = TimeSpan.FromSeconds(60) };
        var m = LoggedIn(options);
        var now = T0;
        SupervisorStep step = default;
        for (var i = 0; i < 4; i++)
        {
            now = now.AddSeconds(5);
            step = m.OnConnectionLost(now, "dropped", null);
            if (i < 3)
            {
                m.OnWaitOver();
                m.OnConnected(now);
                m.OnLoggedIn(now, TimeSpan.FromSeconds(2));
            }
        }
        Assert.Equal(SupervisorStepKind.Close, step.Kind);
        Assert.Contains("too many reconnects", m.TerminalError!.Message);
        Assert.Equal(S.CleanupWait, m.State);
    }

    [Fact]
    public void Reconnects_spread_beyond_the_window_are_no_storm()
    {
        var m = LoggedIn(new IscsiSupervisorOptions { ReconnectStormLimit = 3, ReconnectStormWindow = TimeSpan.FromSeconds(60) });
        var now = T0;
        for (var i = 0; i < 10; i++)
        {
            now = now.AddSeconds(61);
            Assert.Equal(SupervisorStepKind.Wait, m.OnConnectionLost(now, "dropped", null).Kind);
            m.OnWaitOver();
            m.OnConnected(now);
            m.OnLoggedIn(now, TimeSpan.FromSeconds(2));
        }
        Assert.Equal(10, m.ReconnectCount);
    }

    [Fact]
    public void A_target_logout_request_goes_T11_T10_then_back_to_Free_after_Time2Wait()
    {
        var m = LoggedIn();
        Assert.Equal(SupervisorStepKind.Logout, m.OnLogoutRequested(T0, TimeSpan.FromSeconds(7)).Kind);
        m.OnLogoutStarted(T0);
        var step = m.OnLoggedOut(T0.AddSeconds(1), null);
        Assert.Equal((SupervisorStepKind.Wait, T0.AddSeconds(8)), (step.Kind, step.Until));
        Assert.Equal([(S.LoggedIn, S.LogoutRequested), (S.LogoutRequested, S.InLogout), (S.InLogout, S.Free)], Path);
        Assert.Equal(SupervisorStepKind.Connect, m.OnWaitOver().Kind);
    }

    [Fact]
    public void A_graceful_disconnect_logs_out_T9_and_ends()
    {
        var m = LoggedIn();
        Assert.Equal(SupervisorStepKind.Logout, m.OnDisconnect(T0, force: false).Kind);
        m.OnLogoutStarted(T0);
        Assert.Equal(SupervisorStepKind.Close, m.OnLoggedOut(T0, null).Kind);
        Assert.Equal([(S.LoggedIn, S.InLogout), (S.InLogout, S.CleanupWait)], Path);
        Assert.Null(m.TerminalError);
    }

    [Fact]
    public void A_disconnect_during_a_target_requested_logout_ends_instead_of_reconnecting()
    {
        var m = LoggedIn();
        m.OnLogoutRequested(T0, TimeSpan.FromSeconds(2));
        Assert.Equal(SupervisorStepKind.Continue, m.OnDisconnect(T0, force: false).Kind);
        m.OnLogoutStarted(T0);
        Assert.Equal(SupervisorStepKind.Close, m.OnLoggedOut(T0, null).Kind);
        Assert.Equal(S.CleanupWait, m.State);
    }

    [Fact]
    public void A_forced_disconnect_drops_at_once_T15()
    {
        var m = LoggedIn();
        Assert.Equal(SupervisorStepKind.Close, m.OnDisconnect(T0, force: true).Kind);
        Assert.Equal([(S.LoggedIn, S.CleanupWait)], Path);
    }

    [Fact]
    public void A_disconnect_while_waiting_to_reconnect_ends_it()
    {
        var m = LoggedIn();
        m.OnConnectionLost(T0, "lost", null);
        Assert.Equal(SupervisorStepKind.Close, m.OnDisconnect(T0.AddSeconds(1), force: false).Kind);
        Assert.Equal((S.Free, S.CleanupWait), Path.Last());
    }

    [Fact]
    public void A_loss_reported_outside_full_feature_phase_changes_nothing()
    {
        var m = Machine();
        m.Start();
        Assert.Equal(SupervisorStepKind.Continue, m.OnConnectionLost(T0, "late", null).Kind);
        Assert.Equal(SupervisorStepKind.Continue, m.OnLogoutRequested(T0, TimeSpan.Zero).Kind);
        Assert.Empty(changes);
    }

    [Fact]
    public void Options_out_of_range_are_named()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new IscsiSupervisorOptions { NopTimeout = TimeSpan.Zero }.Validate());
        Assert.Equal("NopTimeout", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new IscsiSupervisorOptions { MaxReconnectDelay = TimeSpan.FromMilliseconds(1) }.Validate());
        Assert.Equal("MaxReconnectDelay", e.ParamName);
    }
}
