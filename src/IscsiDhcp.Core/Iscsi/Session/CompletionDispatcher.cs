using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>
    /// Tells completions how their commands ended, where the caller's continuation may run
    /// inline: on a session's receive thread itself between PDUs (<see cref="TellHere"/>), as
    /// libiscsi's one thread does, or on threads of its own (<see cref="Post(IScsiCompletion, in ScsiCommandResult, Exception?)"/>).
    /// Telling on the receive thread saves a thread wake-up per batch of answers (perf: at
    /// 4 KiB x 32 the wake-ups and context switches of the hand-over were most of the
    /// initiator's CPU). A continuation that blocks there cannot stall reading: once a batch of
    /// completions (and the sends they held back) has run for <see cref="StallAfter"/>, the watchdog takes the
    /// receive thread's role away from it (the completions not yet told go to the dispatcher
    /// threads, its held-back sends to the pool) and the session starts another receive thread;
    /// the blocked one ends when its completion returns.
    /// Why not the thread pool for the others: measured on two cores next to tgtd, its workers
    /// spin between the short bursts of work a small-block workload brings and take the CPU the
    /// target needs (4 KiB reads at 0.82x iscsi-perf, 1.0x with the pool's spinning switched
    /// off). These threads wait without spinning. A continuation that blocks cannot stall the
    /// others: whenever work waits while every thread is busy for longer than
    /// <see cref="StallAfter"/>, another thread is started, as the thread pool would. The
    /// watch for that is a thread of its own that sleeps while nothing runs: a timer of the
    /// thread pool firing every 20 ms woke a pool worker 50 times a second, and its spinning
    /// afterwards (sched_yield) was 14 % of the initiator's CPU at 4 KiB x 32 (perf, cpu-clock).
    /// </summary>
    static class CompletionDispatcher
    {

        static readonly TimeSpan StallAfter = TimeSpan.FromMilliseconds(20);
        static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(20);
        const int MaxThreads = 256;

        static readonly object gate = new();
        static readonly Queue<Work> queue = new();
        // Set while the watchdog has something to watch (work queued or running); no spinning when it is woken.
        static readonly ManualResetEventSlim watching = new(false, spinCount: 0);
        static int watchdogStarted;
        static int threads;
        static int idle;
        static long lastTaken;

        /// <summary>Tells <paramref name="completion"/> the result, or the error when there is one, on a dispatcher thread.</summary>
        public static void Post(IScsiCompletion completion, in ScsiCommandResult result, Exception? error)
        {
            var start = false;
            lock (gate)
            {
                queue.Enqueue(new Work(completion, result, error));
                if (idle > 0) Monitor.Pulse(gate);
                else if (threads < Environment.ProcessorCount) start = Reserve();
            }
            Started(start);
        }

        /// <summary>Tells the completions in <paramref name="batch"/> (then empties it), waking one thread for all of them.</summary>
        public static void Post(List<Work> batch)
        {
            if (batch.Count == 0) return;
            var start = false;
            lock (gate)
            {
                foreach (var work in batch) queue.Enqueue(work);
                if (idle > 0) Monitor.Pulse(gate);
                else if (threads < Environment.ProcessorCount) start = Reserve();
            }
            batch.Clear();
            Started(start);
        }

        static void Started(bool start)
        {
            if (start) StartThread();
            Watched();
        }

        /// <summary>Wakes the watchdog (starting it the first time) when it sleeps: something runs that may stall.</summary>
        static void Watched()
        {
            if (!watching.IsSet) watching.Set();
            if (Volatile.Read(ref watchdogStarted) == 0 && Interlocked.Exchange(ref watchdogStarted, 1) == 0)
                new Thread(Watch) { IsBackground = true, Name = "iSCSI completion watchdog" }.Start();
        }

        /// <summary>Every <see cref="StallAfter"/> while work is queued or running, starts a thread if the work has stalled; sleeps otherwise.</summary>
        static void Watch()
        {
            while (true)
            {
                watching.Wait();
                Thread.Sleep(StallAfter);
                var start = false;
                var now = Stopwatch.GetTimestamp();
                var stallTicks = StallAfter.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
                List<Runner>? deposed = null;
                lock (gate)
                {
                    foreach (var runner in runners) runner.RescueIfStalled(now, stallTicks);
                    var telling = false;
                    foreach (var reader in readers)
                    {
                        if (reader.TryDepose(now, stallTicks)) (deposed ??= new()).Add(reader);
                        else telling |= reader.Telling;
                    }
                    if (deposed is not null)
                    {
                        foreach (var reader in deposed) readers.Remove(reader);
                    }
                    if (queue.Count > 0 && idle == 0 && now - lastTaken > stallTicks)
                        start = Reserve();
                    // Reset under the lock: a Post after it sets the event again. A receive thread
                    // starts telling without the lock: looked at again after the reset, so one that
                    // started in between is either seen here or sees the event reset and sets it.
                    else if (queue.Count == 0 && idle == threads && !telling)
                    {
                        watching.Reset();
                        foreach (var reader in readers)
                        {
                            if (reader.Telling)
                            {
                                watching.Set();
                                break;
                            }
                        }
                    }
                }
                if (start) StartThread();
                // Outside the lock: posting takes it, and the session starts its new receive thread.
                if (deposed is not null)
                {
                    foreach (var reader in deposed) reader.HandOver();
                }
            }
        }

        static bool Reserve()
        {
            if (threads >= MaxThreads) return false;
            threads++;
            return true;
        }

        static void StartThread() => new Thread(Run) { IsBackground = true, Name = "iSCSI completion" }.Start();

        static void Run()
        {
            var runner = current = new Runner();
            lock (gate) runners.Add(runner);
            var sinceFlush = 0;
            while (true)
            {
                Work work = default;
                var flush = false;
                lock (gate)
                {
                    // Sends held back while completions were queued go out before the thread waits.
                    if (queue.Count == 0 && runner.HasDeferred) flush = true;
                    else
                    {
                        while (queue.Count == 0)
                        {
                            idle++;
                            var woken = Monitor.Wait(gate, IdleLifetime);
                            idle--;
                            if (!woken && queue.Count == 0 && threads > 1)
                            {
                                threads--;
                                runners.Remove(runner);
                                current = null;
                                return;
                            }
                        }
                        work = queue.Dequeue();
                        lastTaken = Stopwatch.GetTimestamp();
                        Volatile.Write(ref runner.Started, lastTaken);
                    }
                }
                if (flush || ++sinceFlush > MaxDeferred)
                {
                    sinceFlush = 0;
                    runner.SendDeferred();
                    if (flush) continue;
                }
                if (work.Error is null) work.Completion.Complete(work.Result);
                else work.Completion.Fail(work.Error);
            }
        }

        static void SendOnPool(Action send) => ThreadPool.QueueUserWorkItem(s => ((Action)s!)(), send);

        /// <summary>Completions told at most before the sends they held back go out.</summary>
        const int MaxDeferred = 32;
        [ThreadStatic] static Runner? current;
        // Every dispatcher thread's runner and every receive thread's, for the watchdog (guarded by gate).
        static readonly List<Runner> runners = new();
        static readonly List<Runner> readers = new();

        /// <summary>
        /// Called by a session about to send commands that a completion told on this thread has
        /// just queued: on a dispatcher thread or a receive thread telling completions, the send
        /// waits until the completions told with this one have been told too, so the commands
        /// they queue in turn go out in the same write (a caller that starts its next read from
        /// its continuation, at queue depth 32: one write for many commands, not one each).
        /// Returns false elsewhere, or once the watchdog took the thread's sends away: send now.
        /// </summary>
        public static bool TryDefer(Action send)
        {
            var runner = current;
            return runner is not null && runner.Defer(send);
        }

        /// <summary>
        /// Makes the calling thread a session's receive thread, which tells completions itself
        /// with <see cref="TellHere"/>; <paramref name="replace"/> starts another receive thread
        /// when the watchdog takes the role from this one. Pair with <see cref="LeaveReceiveThread"/>.
        /// </summary>
        public static Runner EnterReceiveThread(Action replace)
        {
            var runner = current = new Runner(replace);
            lock (gate) readers.Add(runner);
            return runner;
        }

        public static void LeaveReceiveThread(Runner runner)
        {
            lock (gate) readers.Remove(runner);
            current = null;
        }

        /// <summary>
        /// Tells the completions in <paramref name="received"/> on this thread, a receive thread
        /// between two PDUs, then sends what they queued in one go; <paramref name="received"/>
        /// is left empty (swapped for the runner's own list); <paramref name="send"/>, when given,
        /// is sent with them. Returns false when the watchdog took the receive thread's role while
        /// a completion or a send blocked: the caller must stop reading, another thread reads
        /// now, and what was left to tell or send went elsewhere.
        /// </summary>
        public static bool TellHere(Runner runner, ref List<Work> received, Action? send = null)
        {
            if (!runner.BeginTelling(ref received))
            {
                if (send is not null) SendOnPool(send);
                return false;
            }
            Watched();
            if (send is not null && !runner.Defer(send)) SendOnPool(send);
            var told = false;
            try
            {
                while (runner.TryTakeNext(out var work))
                {
                    if (work.Error is null) work.Completion.Complete(work.Result);
                    else work.Completion.Fail(work.Error);
                }
                runner.SendDeferred();
                told = true;
            }
            finally
            {
                // A completion that threw (a broken caller) strands neither the ones behind it nor
                // the sends held back (some may be other sessions' queues, which nobody else drains).
                if (!told)
                {
                    if (runner.TakeRest() is { } rest) Post(rest);
                    runner.RescueAll();
                }
            }
            return runner.EndTelling();
        }

        /// <summary>
        /// A thread's sends held back, and for a receive thread the completions it is telling. A
        /// completion that blocks (waiting, say, for a command it queued itself) would hold them
        /// for ever: the watchdog sends them from the thread pool once the completion has run for
        /// <see cref="StallAfter"/>, and takes a receive thread's role and untold completions away.
        /// </summary>
        internal sealed class Runner
        {
            readonly List<Action> deferred = new();
            readonly Action? replace;
            List<Work> telling = new();
            int next;
            bool isTelling;
            bool deposed;
            public long Started;

            public Runner(Action? replace = null) => this.replace = replace;

            public bool HasDeferred
            {
                get { lock (this) return deferred.Count > 0; }
            }

            /// <summary>True while a receive thread tells completions or sends what they queued.</summary>
            public bool Telling
            {
                get { lock (this) return isTelling; }
            }

            /// <summary>Holds a send back, unless the watchdog took this thread's sends or it is a receive thread not telling completions now (then nobody would send it).</summary>
            public bool Defer(Action send)
            {
                lock (this)
                {
                    if (deposed || (replace is not null && !isTelling)) return false;
                    deferred.Add(send);
                    return true;
                }
            }

            Action? Take()
            {
                lock (this)
                {
                    if (deferred.Count == 0) return null;
                    var last = deferred[deferred.Count - 1];
                    deferred.RemoveAt(deferred.Count - 1);
                    return last;
                }
            }

            public void SendDeferred()
            {
                while (Take() is { } send) send();
            }

            /// <summary>From the watchdog: the sends held back by a completion that has run too long go out on the pool.</summary>
            public void RescueIfStalled(long now, long stallTicks)
            {
                if (now - Volatile.Read(ref Started) <= stallTicks) return;
                RescueAll();
            }

            /// <summary>The sends held back go out on the pool.</summary>
            public void RescueAll()
            {
                while (Take() is { } send) SendOnPool(send);
            }

            public bool BeginTelling(ref List<Work> received)
            {
                lock (this)
                {
                    if (deposed) return false;
                    (telling, received) = (received, telling);
                    next = 0;
                    isTelling = true;
                    Started = Stopwatch.GetTimestamp();
                    return true;
                }
            }

            public bool TryTakeNext(out Work work)
            {
                lock (this)
                {
                    if (deposed || next == telling.Count)
                    {
                        work = default;
                        return false;
                    }
                    work = telling[next];
                    telling[next++] = default;
                    return true;
                }
            }

            /// <summary>What is left to tell (null when nothing is), taken from this thread.</summary>
            public List<Work>? TakeRest()
            {
                lock (this)
                {
                    List<Work>? rest = null;
                    for (var i = next; i < telling.Count; i++) (rest ??= new()).Add(telling[i]);
                    telling.Clear();
                    next = 0;
                    return rest;
                }
            }

            /// <summary>False when the role was taken away meanwhile.</summary>
            public bool EndTelling()
            {
                lock (this)
                {
                    telling.Clear();
                    next = 0;
                    isTelling = false;
                    return !deposed;
                }
            }

            // Set by the watchdog when it deposes this receive thread, for HandOver outside the lock.
            List<Work>? rest;
            List<Action>? rescued;

            /// <summary>From the watchdog (holding the dispatcher's lock): takes the role from a receive thread stuck in a completion or send.</summary>
            public bool TryDepose(long now, long stallTicks)
            {
                lock (this)
                {
                    if (!isTelling || deposed || now - Started <= stallTicks) return false;
                    deposed = true;
                    for (var i = next; i < telling.Count; i++) (rest ??= new()).Add(telling[i]);
                    telling = new();   // the stuck thread's list is not touched again
                    next = 0;
                    if (deferred.Count > 0) rescued = new List<Action>(deferred);
                    deferred.Clear();
                    return true;
                }
            }

            /// <summary>From the watchdog, after <see cref="TryDepose"/>: the untold completions to the dispatcher, the sends to the pool, a new receive thread.</summary>
            public void HandOver()
            {
                if (rest is not null) Post(rest);
                if (rescued is not null)
                {
                    foreach (var send in rescued) SendOnPool(send);
                }
                rest = null;
                rescued = null;
                replace!();
            }
        }

        /// <summary>One completion to tell, with the result or error.</summary>
        public readonly struct Work
        {
            public Work(IScsiCompletion completion, in ScsiCommandResult result, Exception? error)
            {
                Completion = completion;
                Result = result;
                Error = error;
            }

            public IScsiCompletion Completion { get; }
            public ScsiCommandResult Result { get; }
            public Exception? Error { get; }
        }
    }
}
