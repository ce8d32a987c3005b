using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>
    /// Tells completions how their commands ended, on threads of its own, so the receive
    /// thread never runs a caller's code and the caller's continuation may run inline on the
    /// telling thread. Why not the thread pool: measured on two cores next to tgtd, its workers
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
                lock (gate)
                {
                    foreach (var runner in runners) runner.RescueIfStalled(now, stallTicks);
                    if (queue.Count > 0 && idle == 0 && now - lastTaken > stallTicks)
                        start = Reserve();
                    // Reset under the lock: a Post after it sets the event again.
                    else if (queue.Count == 0 && idle == threads) watching.Reset();
                }
                if (start) StartThread();
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

        /// <summary>Completions told at most before the sends they held back go out.</summary>
        const int MaxDeferred = 32;

        [ThreadStatic] static Runner? current;
        // Every dispatcher thread's runner, for the watchdog (guarded by gate).
        static readonly List<Runner> runners = new();

        /// <summary>
        /// Called by a session about to send commands that a completion told on this thread has
        /// just queued: on a dispatcher thread, the send waits until the completions queued behind
        /// this one have been told too, so the commands they queue in turn go out in the same
        /// write (a caller that starts its next read from its continuation, at queue depth 32:
        /// one write for many commands, not one each). Returns false elsewhere: send now.
        /// </summary>
        public static bool TryDefer(Action send)
        {
            var runner = current;
            if (runner is null) return false;
            runner.Defer(send);
            return true;
        }

        /// <summary>
        /// A dispatcher thread's sends held back. A completion that blocks (waiting, say, for a
        /// command it queued itself) would hold them for ever: the watchdog sends them from the
        /// thread pool once the completion has run for <see cref="StallAfter"/>.
        /// </summary>
        sealed class Runner
        {
            readonly List<Action> deferred = new();
            public long Started;

            public bool HasDeferred
            {
                get { lock (deferred) return deferred.Count > 0; }
            }

            public void Defer(Action send)
            {
                lock (deferred) deferred.Add(send);
            }

            Action? Take()
            {
                lock (deferred)
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
                while (Take() is { } send) ThreadPool.QueueUserWorkItem(s => ((Action)s!)(), send);
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
