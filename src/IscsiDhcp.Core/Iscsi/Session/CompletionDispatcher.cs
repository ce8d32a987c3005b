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
                lock (gate)
                {
                    if (queue.Count > 0 && idle == 0 && Stopwatch.GetTimestamp() - lastTaken > StallAfter.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond)
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
            while (true)
            {
                Work work;
                lock (gate)
                {
                    while (queue.Count == 0)
                    {
                        idle++;
                        var woken = Monitor.Wait(gate, IdleLifetime);
                        idle--;
                        if (!woken && queue.Count == 0 && threads > 1)
                        {
                            threads--;
                            return;
                        }
                    }
                    work = queue.Dequeue();
                    lastTaken = Stopwatch.GetTimestamp();
                }
                if (work.Error is null) work.Completion.Complete(work.Result);
                else work.Completion.Fail(work.Error);
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
