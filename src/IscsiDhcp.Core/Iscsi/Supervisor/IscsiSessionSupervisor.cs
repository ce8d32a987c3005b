using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Scsi;
using IscsiDhcp.Common;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>
    /// Owns one iSCSI session for as long as it is wanted: connects and logs in (following
    /// redirects), keeps it alive with NOP-Outs, reconnects with back-off when it is lost and
    /// re-issues the commands that were in flight, logs out and back in when the target asks,
    /// and logs out cleanly at the end. Its decisions are <see cref="SupervisorMachine"/>'s;
    /// this class does the I/O. Commands go through it as through a session
    /// (<see cref="IScsiTransport"/>), so a caller's read or write survives a reconnect.
    /// </summary>
    public sealed class IscsiSessionSupervisor : IScsiTransport, IDisposable
    {
        static int sequence;

        readonly LoginSettings settings;
        readonly IscsiSessionOptions sessionOptions;
        readonly IscsiSupervisorOptions options;
        readonly TimeProvider time;
        readonly SupervisorMachine machine;
        readonly object gate = new();
        readonly List<SupervisedCommand> parked = new();
        readonly List<IscsiSessionStateChange> history = new();
        readonly TaskCompletionSource<bool> firstLogin = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource<bool> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly CancellationTokenSource stopping = new();
        // Cancelled when the first login has taken longer than FirstLoginTimeout; a first login listens to both.
        readonly CancellationTokenSource firstLoginExpired = new();
        readonly CancellationTokenSource firstLoginCut;
        DateTimeOffset startedAt;
        TaskCompletionSource<bool> signal = NewSignal();
        IscsiProtocolSession? session;
        IscsiProtocolSession? lastSession;
        string? lostReason;
        Exception? lostError;
        TimeSpan? logoutRequested;
        bool? disconnectForced;
        bool recoveryExpired;
        int commandsInFlight;
        // Command records that have ended, for reuse: the path the cmdlets take allocates nothing per I/O.
        readonly Stack<SupervisedCommand> idleCommands = new();
        // One delegate for every parked command: a lambda capturing the command made a closure on every call of TryRetry, parked or not.
        readonly Action<object?> cancelParked;
        int commandRecordsMade;
        long bytesReadBefore;
        long bytesWrittenBefore;
        volatile IscsiSessionState state;
        TargetAddress portal;
        TargetAddress originalPortal;

        IscsiSessionSupervisor(TargetAddress portal, LoginSettings settings, IscsiSessionOptions? sessionOptions, IscsiSupervisorOptions? options,
            TimeProvider? time)
        {
            settings.Validate();
            this.settings = settings;
            cancelParked = state => CancelParked((SupervisedCommand)state!);
            options ??= new IscsiSupervisorOptions();
            options.Validate();
            this.options = options;
            sessionOptions ??= new IscsiSessionOptions();
            sessionOptions.Validate();
            // One ISID for every login of this supervisor: a reconnect reinstates the session.
            var isid = sessionOptions.Isid ?? IscsiProtocolSession.DefaultIsid(settings.InitiatorName, settings.TargetName);
            this.sessionOptions = sessionOptions with { Isid = isid, Tsih = 0 };
            this.time = time ?? TimeProvider.System;
            TargetName = settings.TargetName ?? throw new ArgumentException("a supervised session needs a TargetName", nameof(settings));
            SessionIdentifier = $"{isid:X12}-{Interlocked.Increment(ref sequence):X4}";
            var random = new Random();
            machine = new SupervisorMachine(options, TargetName, portal, () => { lock (random) return random.NextDouble(); }, OnStateChange);
            firstLoginCut = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, firstLoginExpired.Token);
            this.portal = portal;
            originalPortal = portal;
        }

        public string TargetName { get; }
        public string InitiatorName => settings.InitiatorName;
        /// <summary>Stable for the supervisor's life: its ISID and a number unique in this process.</summary>
        public string SessionIdentifier { get; }
        public IscsiSessionState State => state;
        public TargetAddress Portal => Volatile.Read(ref portal);
        public TargetAddress OriginalPortal => Volatile.Read(ref originalPortal);
        /// <summary>Ends when the supervisor has ended (after a disconnect, or a failure it could not recover from).</summary>
        public Task Completion => ended.Task;
        /// <summary>Why the supervisor ended, if it ended on a failure.</summary>
        public Exception? Failure { get; private set; }
        /// <summary>Whether the first login has succeeded (the session may have ended since).</summary>
        public bool HasLoggedIn => firstLogin.Task.Status == TaskStatus.RanToCompletion;

        /// <summary>
        /// Every transition, in order, on the supervisor's own thread (handlers must return
        /// quickly). The supervisor starts at once, so a subscriber that must not miss the first
        /// transitions uses <see cref="Watch"/>.
        /// </summary>
        public event EventHandler<IscsiSessionStateChange>? StateChanged;

        // Kept for Watch, so a late subscriber still sees how the session began.
        const int HistoryLimit = 256;

        /// <summary>
        /// Subscribes <paramref name="handler"/> and returns the transitions that came before (the last 256),
        /// in one step: every transition is either returned or delivered, never both or neither.
        /// </summary>
        public IReadOnlyList<IscsiSessionStateChange> Watch(EventHandler<IscsiSessionStateChange> handler)
        {
            lock (gate)
            {
                StateChanged += handler;
                return history.ToArray();
            }
        }

        /// <summary>Starts a supervisor and waits for its first login; a login that cannot succeed throws (and the supervisor is gone).</summary>
        public static async Task<IscsiSessionSupervisor> LogInAsync(TargetAddress portal, LoginSettings settings, IscsiSessionOptions? sessionOptions = null,
            IscsiSupervisorOptions? options = null, TimeProvider? time = null, CancellationToken cancel = default)
        {
            var supervisor = StartSupervising(portal, settings, sessionOptions, options, time);
            try
            {
                await supervisor.WhenLoggedInAsync(cancel).ConfigureAwait(false);
                return supervisor;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                supervisor.Dispose();
                throw;
            }
        }

        /// <summary>Starts a supervisor and returns at once; <see cref="WhenLoggedInAsync"/> says when (or whether) it logged in.</summary>
        public static IscsiSessionSupervisor StartSupervising(TargetAddress portal, LoginSettings settings, IscsiSessionOptions? sessionOptions = null,
            IscsiSupervisorOptions? options = null, TimeProvider? time = null)
        {
            var supervisor = new IscsiSessionSupervisor(portal, settings, sessionOptions, options, time);
            _ = Task.Run(supervisor.RunAsync);
            return supervisor;
        }

        /// <summary>Completes at the first login; throws the reason when the supervisor ends without one.</summary>
        public async Task WhenLoggedInAsync(CancellationToken cancel = default)
        {
            if (!await firstLogin.Task.CompletesBeforeAsync(cancel).ConfigureAwait(false)) cancel.ThrowIfCancellationRequested();
            await firstLogin.Task.ConfigureAwait(false);
        }

        public IscsiSessionStatus GetStatus()
        {
            lock (gate)
            {
                var current = session ?? lastSession;
                return new IscsiSessionStatus
                {
                    SessionIdentifier = SessionIdentifier,
                    TargetNodeAddress = TargetName,
                    InitiatorNodeAddress = settings.InitiatorName,
                    State = State,
                    TargetPortal = Portal,
                    OriginalTargetPortal = OriginalPortal,
                    ConnectedSince = connectedSince,
                    ReconnectCount = reconnectCount,
                    RedirectCount = redirectCount,
                    LastError = lastError,
                    LastSubscriberError = lastSubscriberError,
                    CommandsInFlight = Volatile.Read(ref commandsInFlight),
                    BytesRead = bytesReadBefore + (session?.BytesRead ?? 0),
                    BytesWritten = bytesWrittenBefore + (session?.BytesWritten ?? 0),
                    LastNopRoundTrip = current?.LastNopRoundTrip,
                    Parameters = current?.Parameters,
                    TargetAlias = current?.Parameters.TargetAlias,
                    TargetPortalGroupTag = current?.Parameters.TargetPortalGroupTag ?? 0,
                    Isid = sessionOptions.Isid.GetValueOrDefault().ToString("X12", System.Globalization.CultureInfo.InvariantCulture),
                    Tsih = current?.Tsih ?? 0,
                };
            }
        }

        // Copies of the machine's counters for GetStatus (the machine belongs to the supervisor's loop).
        DateTimeOffset? connectedSince;
        int reconnectCount;
        int redirectCount;
        string? lastError;
        string? lastSubscriberError;

        /// <summary>
        /// Ends the session: by default waits (up to DrainTimeout) for the commands in flight,
        /// logs out and closes; <paramref name="force"/> drops the connection at once. Either
        /// way the target holds no session of ours afterwards (after a forced drop, once it
        /// notices the connection is gone).
        /// </summary>
        public async Task DisconnectAsync(bool force = false, CancellationToken cancel = default)
        {
            if (ended.Task.IsCompleted) return;
            lock (gate)
            {
                disconnectForced = force || disconnectForced == true;
                signal.TrySetResult(true);
            }
            // Cuts short a connect or a login under way: forced, or because without a session
            // there is nothing to log out (Stop-Job on a login that gets no answer is as prompt as Ctrl+C).
            if (force || state is IscsiSessionState.Free or IscsiSessionState.XptWait or IscsiSessionState.InLogin) stopping.Cancel();
            if (!await ended.Task.CompletesBeforeAsync(cancel).ConfigureAwait(false)) cancel.ThrowIfCancellationRequested();
        }

        /// <summary>Drops the session at once (a forced disconnect) and waits a little for the supervisor to end.</summary>
        public void Dispose()
        {
            var disconnecting = DisconnectAsync(force: true);
            disconnecting.Wait(TimeSpan.FromSeconds(5));
        }

        // ---- commands ----

        /// <summary>Runs a command on the current session; one the connection loss takes down is sent again on the next session.</summary>
        public void Start(ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel = default)
        {
            if (completion is null) throw new ArgumentNullException(nameof(completion));
            Interlocked.Increment(ref commandsInFlight);
            var command = RentCommand();
            command.Begin(request, completion, cancel);
            if (!TryRetry(command)) command.End(Unavailable());
        }

        /// <summary>Sends a command on the current session, or parks it for the next one; false when it can wait no longer.</summary>
        internal bool TryRetry(SupervisedCommand command)
        {
            IscsiProtocolSession? target;
            lock (gate)
            {
                if (State == IscsiSessionState.CleanupWait || disconnectForced is not null || recoveryExpired || command.Cancel.IsCancellationRequested)
                    return false;
                target = session;
                if (target is null || target == command.SentOn)
                {
                    parked.Add(command);
                    if (command.Cancel.CanBeCanceled)
                        command.WhileParked = command.Cancel.Register(cancelParked, command);
                    return true;
                }
                command.SentOn = target;
            }
            target.Start(command.Request, command, command.Cancel);
            return true;
        }

        internal void OnCommandEnded() => Interlocked.Decrement(ref commandsInFlight);

        /// <summary>How many command records this supervisor has made (the rest were reused).</summary>
        internal int CommandRecordsMade => Volatile.Read(ref commandRecordsMade);

        SupervisedCommand RentCommand()
        {
            lock (idleCommands)
            {
                if (idleCommands.Count > 0) return idleCommands.Pop();
            }
            Interlocked.Increment(ref commandRecordsMade);
            return new SupervisedCommand(this);
        }

        /// <summary>Takes back a record whose command has ended and been told to its caller: no session, park list or registration holds it.</summary>
        internal void ReturnCommand(SupervisedCommand command)
        {
            lock (idleCommands) idleCommands.Push(command);
        }

        void CancelParked(SupervisedCommand command)
        {
            lock (gate)
            {
                if (!parked.Remove(command)) return;
            }
            command.End(new OperationCanceledException("the command was cancelled while the session was reconnecting", command.Cancel));
        }

        Exception Unavailable()
        {
            if (Failure is { } failure) return new IscsiSessionLostException($"the session to {TargetName} has ended: {failure.Message}", failure);
            if (recoveryExpired)
                return new IscsiSessionLostException(
                    $"the session to {TargetName} was not recovered within the replacement timeout ({options.ReplacementTimeout.TotalSeconds:0.#} s); last error: {lastError ?? "none"}");
            return new ObjectDisposedException(nameof(IscsiSessionSupervisor), $"the session to {TargetName} is disconnecting or disconnected");
        }

        /// <summary>Sends every parked command on the new session.</summary>
        void Reissue(IscsiProtocolSession current)
        {
            SupervisedCommand[] waiting;
            lock (gate)
            {
                waiting = parked.ToArray();
                parked.Clear();
                foreach (var command in waiting)
                {
                    command.WhileParked.Dispose();
                    command.SentOn = current;
                }
            }
            foreach (var command in waiting) current.Start(command.Request, command, command.Cancel);
        }

        void FailParked()
        {
            SupervisedCommand[] waiting;
            lock (gate)
            {
                waiting = parked.ToArray();
                parked.Clear();
            }
            var reason = Unavailable();
            foreach (var command in waiting) command.End(reason);
        }

        // ---- the supervisor's loop ----

        async Task RunAsync()
        {
            startedAt = Now;
            var step = machine.Start();
            using var firstLoginTimer = options.FirstLoginTimeout is { } limit
                ? time.CreateTimer(_ => ExpireFirstLogin(), null, limit, Timeout.InfiniteTimeSpan)
                : null;
            try
            {
                while (step.Kind != SupervisorStepKind.Close)
                {
                    step = step.Kind switch
                    {
                        SupervisorStepKind.Connect => await AttemptLoginAsync(step.Portal!).ConfigureAwait(false),
                        SupervisorStepKind.Wait => await WaitAsync(step.Until).ConfigureAwait(false),
                        SupervisorStepKind.Supervise => await SuperviseAsync().ConfigureAwait(false),
                        SupervisorStepKind.Logout => await LogoutAsync().ConfigureAwait(false),
                        _ => throw new InvalidOperationException($"the supervisor cannot take the step {step}"),
                    };
                }
            }
            catch (Exception e)
            {
                // A bug, not a network event: end rather than spin.
                Failure = e;
            }
            Close();
        }

        async Task<SupervisorStep> AttemptLoginAsync(TargetAddress to)
        {
            if (disconnectForced is { } early) return machine.OnDisconnect(Now, early);
            if (FirstLoginExpired) return machine.OnFirstLoginExpired(Now, Now - startedAt);
            IscsiProtocolSession current;
            try
            {
                var cancel = machine.HasLoggedIn ? stopping.Token : firstLoginCut.Token;
                current = await IscsiProtocolSession.LoginAsync(to, settings, sessionOptions, why => machine.OnConnected(Now, why), Adopt, cancel).ConfigureAwait(false);
            }
            catch (Exception) when (disconnectForced is { } force)
            {
                return machine.OnDisconnect(Now, force);
            }
            catch (Exception e) when (FirstLoginExpired)
            {
                return machine.OnFirstLoginExpired(Now, Now - startedAt, e);
            }
            catch (Exception e)
            {
                // The machine saw TCP come up (InLogin) or not (still Free).
                var next = machine.State == IscsiSessionState.Free ? machine.OnConnectFailed(Now, e) : machine.OnLoginFailed(Now, e);
                lock (gate) CopyCounters();   // a failed connect while Free is no transition, but its error is news
                CheckRecoveryDeadline();
                return next;
            }
            var step = machine.OnLoggedIn(Now, TimeSpan.FromSeconds(current.Parameters.DefaultTime2Wait));
            lock (gate) recoveryExpired = false;
            firstLogin.TrySetResult(true);
            Reissue(current);
            return step;
        }

        /// <summary>Takes a logged-in session before its receive loop starts, so its first event (an early logout request, say) is ours.</summary>
        void Adopt(IscsiProtocolSession current)
        {
            current.ConnectionLost += OnConnectionLost;
            current.AsyncEvent += OnAsyncEvent;
            lock (gate)
            {
                session = current;
                lastSession = current;
            }
        }

        async Task<SupervisorStep> WaitAsync(DateTimeOffset until)
        {
            while (true)
            {
                if (disconnectForced is { } force) return machine.OnDisconnect(Now, force);
                if (FirstLoginExpired) return machine.OnFirstLoginExpired(Now, Now - startedAt);
                CheckRecoveryDeadline();
                var now = Now;
                if (now >= until) return machine.OnWaitOver();
                var wake = until;
                if (machine.RecoveryDeadline is { } deadline && deadline > now && deadline < wake) wake = deadline;
                await WaitForSignalAsync(wake - now).ConfigureAwait(false);
            }
        }

        /// <summary>Keeps the logged-in session alive until it is lost, the target wants a logout, or the owner disconnects.</summary>
        async Task<SupervisorStep> SuperviseAsync()
        {
            while (true)
            {
                string? lost;
                Exception? lostBecause;
                TimeSpan? logout;
                bool? force;
                lock (gate)
                {
                    lost = lostReason;
                    lostBecause = lostError;
                    logout = logoutRequested;
                    force = disconnectForced;
                    lostReason = null;
                    lostError = null;
                    logoutRequested = null;
                }
                if (force is { } forced)
                {
                    if (forced) DropSession();
                    return machine.OnDisconnect(Now, forced);
                }
                if (lost is not null)
                {
                    DropSession();
                    return machine.OnConnectionLost(Now, lost, lostBecause);
                }
                if (logout is { } wait) return machine.OnLogoutRequested(Now, wait);

                if (await WaitForSignalAsync(options.NopInterval).ConfigureAwait(false)) continue;
                var current = session;
                if (current is null) continue;
                try
                {
                    await current.PingAsync(options.NopTimeout).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    MarkLost(current, $"no answer to a NOP-Out within {options.NopTimeout.TotalSeconds:0.#} s", e);
                }
            }
        }

        async Task<SupervisorStep> LogoutAsync()
        {
            machine.OnLogoutStarted(Now);
            var current = session;
            Exception? error = null;
            if (current is not null)
            {
                if (machine.IsDisconnecting) await DrainAsync().ConfigureAwait(false);
                try
                {
                    await current.LogoutAsync(options.LogoutTimeout).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    error = e;
                }
            }
            DropSession();
            return machine.OnLoggedOut(Now, error);
        }

        /// <summary>Waits for the commands in flight to end (up to DrainTimeout, or until a forced disconnect).</summary>
        async Task DrainAsync()
        {
            var deadline = Now + options.DrainTimeout;
            while (Volatile.Read(ref commandsInFlight) > 0 && Now < deadline && disconnectForced != true)
                await WaitForSignalAsync(TimeSpan.FromMilliseconds(20)).ConfigureAwait(false);
        }

        bool FirstLoginExpired => firstLoginExpired.IsCancellationRequested && !machine.HasLoggedIn;

        void ExpireFirstLogin()
        {
            if (firstLogin.Task.IsCompleted) return;
            firstLoginExpired.Cancel();   // ends a connect or a login under way
            lock (gate) signal.TrySetResult(true);   // ends a back-off
        }

        void CheckRecoveryDeadline()
        {
            if (machine.RecoveryDeadline is not { } deadline || Now < deadline || recoveryExpired) return;
            lock (gate) recoveryExpired = true;
            FailParked();
        }

        void DropSession()
        {
            IscsiProtocolSession? old;
            lock (gate)
            {
                old = session;
                session = null;
                if (old is not null)
                {
                    bytesReadBefore += old.BytesRead;
                    bytesWrittenBefore += old.BytesWritten;
                }
            }
            if (old is null) return;
            old.ConnectionLost -= OnConnectionLost;
            old.AsyncEvent -= OnAsyncEvent;
            old.Dispose();   // its commands fail as lost and park themselves for the next session
        }

        void Close()
        {
            DropSession();
            Failure ??= machine.TerminalError;
            FailParked();
            if (Failure is { } failure) firstLogin.TrySetException(failure);
            else firstLogin.TrySetException(new ObjectDisposedException(nameof(IscsiSessionSupervisor), $"the session to {TargetName} was disconnected before it logged in"));
            _ = firstLogin.Task.Exception;   // observed: nobody may be waiting
            // The secrets were kept for reconnects; nothing needs them now.
            settings.Credential?.Dispose();
            settings.TargetCredential?.Dispose();
            ended.TrySetResult(true);
        }

        // ---- events from the session and the machine ----

        void OnConnectionLost(object? sender, Exception error) =>
            MarkLost((IscsiProtocolSession)sender!, $"connection lost: {error.Message}", error);

        void OnAsyncEvent(object? sender, IscsiAsyncEventArgs e)
        {
            switch (e.Kind)
            {
                case IscsiAsyncEventKind.LogoutRequested:
                    lock (gate)
                    {
                        logoutRequested = e.Time2Wait;
                        signal.TrySetResult(true);
                    }
                    break;
                case IscsiAsyncEventKind.ConnectionDropped or IscsiAsyncEventKind.SessionDropped:
                    MarkLost((IscsiProtocolSession)sender!, $"the target dropped the {(e.Kind == IscsiAsyncEventKind.SessionDropped ? "session" : "connection")}", null);
                    break;
            }
        }

        void MarkLost(IscsiProtocolSession from, string reason, Exception? error)
        {
            lock (gate)
            {
                if (from != session) return;   // an old session's last words
                lostReason ??= reason;
                lostError ??= error;
                signal.TrySetResult(true);
            }
        }

        void OnStateChange(IscsiSessionStateChange change)
        {
            EventHandler<IscsiSessionStateChange>? handlers;
            lock (gate)
            {
                history.Add(change);
                if (history.Count > HistoryLimit) history.RemoveAt(0);
                handlers = StateChanged;
                state = change.To;
                CopyCounters();
            }
            try
            {
                handlers?.Invoke(this, change);
            }
            catch (Exception e)
            {
                // A subscriber's failure must not take the session down, nor pass for the session's own.
                lock (gate) lastSubscriberError = $"a StateChanged handler failed: {e.Message}";
            }
        }

        /// <summary>The machine's counters as GetStatus shows them (under the gate).</summary>
        void CopyCounters()
        {
            Volatile.Write(ref portal, machine.Portal);
            Volatile.Write(ref originalPortal, machine.OriginalPortal);
            connectedSince = machine.ConnectedSince;
            reconnectCount = machine.ReconnectCount;
            redirectCount = machine.RedirectCount;
            lastError = machine.LastError?.Message;
        }

        /// <summary>Waits for an event (true) or the time to pass (false).</summary>
        async Task<bool> WaitForSignalAsync(TimeSpan timeout)
        {
            Task<bool> woken;
            lock (gate)
            {
                if (signal.Task.IsCompleted) signal = NewSignal();
                woken = signal.Task;
                if (lostReason is not null || logoutRequested is not null || disconnectForced is not null || FirstLoginExpired) return true;
            }
            using var timer = new CancellationTokenSource();
            var delay = time.Delay(timeout, timer.Token);
            var first = await Task.WhenAny(woken, delay).ConfigureAwait(false);
            timer.Cancel();
            return first == woken;
        }

        DateTimeOffset Now => time.GetUtcNow();

        static TaskCompletionSource<bool> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
