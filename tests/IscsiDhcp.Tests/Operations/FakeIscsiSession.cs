using System.Globalization;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Transport;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Operations;

/// <summary>
/// A fake session: its transitions, as a supervisor's, to whoever watches; commands run on
/// its target's RAM LUNs, answered on the thread pool as a real session answers from its
/// completion threads.
/// </summary>
public sealed class FakeIscsiSession : IScsiTransport
{
    readonly object gate = new();
    readonly IscsiSessionRequest sessionRequest;
    readonly FakeIscsiTarget? target;
    readonly List<IscsiSessionStateChange> history = [];
    readonly List<IIscsiSessionObserver> observers = [];
    readonly TaskCompletionSource firstLogin = new(TaskCreationOptions.RunContinuationsAsynchronously);
    IscsiSessionState state = IscsiSessionState.Free;
    Exception? failure;
    bool ended;
    int reconnects;

    internal FakeIscsiSession(string sessionIdentifier, IscsiSessionRequest request, FakeIscsiTarget? target)
    {
        SessionIdentifier = sessionIdentifier;
        this.sessionRequest = request;
        this.target = target;
        _ = firstLogin.Task.Exception;   // observed: nobody may wait
    }

    public string SessionIdentifier { get; }
    public string TargetName => sessionRequest.Settings.TargetName!;
    public IscsiSessionState State
    {
        get { lock (gate) return state; }
    }
    public bool HasEnded
    {
        get { lock (gate) return ended; }
    }
    /// <summary>How the session was disconnected: null while it was not, else whether it was forced.</summary>
    public bool? DisconnectedWithForce { get; private set; }
    internal Task FirstLogin => firstLogin.Task;

    public IscsiSessionStatus Snapshot()
    {
        lock (gate)
        {
            return new IscsiSessionStatus
            {
                SessionIdentifier = SessionIdentifier,
                TargetNodeAddress = TargetName,
                InitiatorNodeAddress = sessionRequest.Settings.InitiatorName,
                State = state,
                TargetPortal = sessionRequest.Portal,
                OriginalTargetPortal = sessionRequest.Portal,
                ReconnectCount = reconnects,
                LastError = failure?.Message,
                Isid = "400001370000",
            };
        }
    }

    internal void BeginLogin() => _ = Task.Run(async () =>
    {
        Move(IscsiSessionState.XptWait, $"connecting to {sessionRequest.Portal}");
        Move(IscsiSessionState.InLogin, $"connected to {sessionRequest.Portal}");
        switch (target?.Login)
        {
            case null:
                End(new IscsiLoginException(LoginFailure.TargetNotFound, $"{TargetName} is not a target at {sessionRequest.Portal}"));
                break;
            case FakeLoginBehaviour.RefuseAuthentication:
                End(new IscsiLoginException(LoginFailure.AuthenticationFailed, $"{TargetName} refused the login: authentication failed"));
                break;
            case FakeLoginBehaviour.Silent:
                var limit = sessionRequest.Supervision.FirstLoginTimeout ?? TimeSpan.FromSeconds(15);
                await Task.Delay(limit);
                End(new IscsiLoginTimeoutException(
                    $"no login to {TargetName} at {sessionRequest.Portal} within {limit.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s (1 attempt); connected to {sessionRequest.Portal}, but the login got no answer",
                    null));
                break;
            default:
                if (Move(IscsiSessionState.LoggedIn, $"logged in at {sessionRequest.Portal}")) firstLogin.TrySetResult();
                break;
        }
    });

    /// <summary>The connection drops under a logged-in session, and it reconnects as a supervisor would.</summary>
    public void LoseConnection(string reason)
    {
        lock (gate) reconnects++;
        if (!Move(IscsiSessionState.Free, $"connection lost: {reason}", new IscsiConnectionClosedException(reason))) return;
        Move(IscsiSessionState.XptWait, $"connecting to {sessionRequest.Portal}");
        Move(IscsiSessionState.InLogin, $"connected to {sessionRequest.Portal}");
        Move(IscsiSessionState.LoggedIn, $"logged in at {sessionRequest.Portal}");
    }

    internal void Disconnect(bool force)
    {
        lock (gate)
        {
            if (ended) return;
            DisconnectedWithForce = force;
        }
        if (!force && State == IscsiSessionState.LoggedIn)
        {
            Move(IscsiSessionState.InLogout, "logging out");
            Move(IscsiSessionState.CleanupWait, "logged out");
        }
        else
        {
            Move(IscsiSessionState.CleanupWait, force ? "dropped without logout" : $"disconnected while {State}");
        }
        End(null);
    }

    internal IDisposable Subscribe(IIscsiSessionObserver observer)
    {
        // Under the gate, as the transitions are told: none is missed or told twice.
        lock (gate)
        {
            foreach (var earlier in history) observer.OnStateChanged(earlier);
            if (ended) observer.OnEnded(failure);
            else observers.Add(observer);
        }
        return new Unsubscribe(() => { lock (gate) observers.Remove(observer); });
    }

    bool Move(IscsiSessionState to, string reason, Exception? error = null)
    {
        lock (gate)
        {
            if (ended || state == to) return false;
            var change = new IscsiSessionStateChange(DateTimeOffset.UtcNow, TargetName, state, to, reason, error);
            state = to;
            history.Add(change);
            foreach (var observer in observers) observer.OnStateChanged(change);
            return true;
        }
    }

    void End(Exception? why)
    {
        if (why is not null) Move(IscsiSessionState.CleanupWait, why.Message, why);
        lock (gate)
        {
            if (ended) return;
            ended = true;
            failure = why;
            foreach (var observer in observers) observer.OnEnded(why);
            observers.Clear();
        }
        if (why is not null) firstLogin.TrySetException(why);
        else firstLogin.TrySetException(new ObjectDisposedException(nameof(FakeIscsiSession), $"the session to {TargetName} was disconnected before it logged in"));
    }

    public void Start(ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel = default)
    {
        target!.CommandStarted();
        ThreadPool.QueueUserWorkItem(_ =>
        {
            var result = Run(request, cancel);
            target.CommandEnded();
            if (result.Failure is { } failure) completion.Fail(failure);
            else completion.Complete(result.Done!.Value);
        });
    }

    (ScsiCommandResult? Done, Exception? Failure) Run(ScsiCommandRequest request, CancellationToken cancel)
    {
        if (cancel.IsCancellationRequested) return (null, new OperationCanceledException(cancel));
        lock (gate)
        {
            if (ended || state != IscsiSessionState.LoggedIn)
                return (null, new IscsiSessionLostException($"the session to {TargetName} is {state}"));
        }
        var lun = ScsiLun.Decode(request.Lun);
        target!.BeforeCommand?.Invoke(lun, request.Cdb.Span[0]);
        if (cancel.IsCancellationRequested) return (null, new OperationCanceledException(cancel));
        return (FakeScsi.Run(target, lun, request), null);
    }

    sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
