using System;
using System.Threading;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// Notices the wall clock jumping against the monotonic one: a clock set by hand or by NTP,
    /// or a suspend and resume (the monotonic clock stands still while the machine sleeps). The
    /// agent then confirms every lease with its server, as dhcpagent does on SIGTHAW: lease
    /// times are wall-clock times, so a lease may have expired meanwhile.
    /// </summary>
    sealed class DhcpClockJumpWatch : IDisposable
    {
        readonly TimeProvider time;
        readonly TimeSpan tolerance;
        readonly Action onJump;
        readonly ITimer timer;
        readonly object gate = new();
        DateTimeOffset lastWall;
        long lastTicks;

        public DhcpClockJumpWatch(TimeProvider time, TimeSpan interval, TimeSpan tolerance, Action onJump)
        {
            this.time = time;
            this.tolerance = tolerance;
            this.onJump = onJump;
            lastWall = time.GetUtcNow();
            lastTicks = time.GetTimestamp();
            timer = time.CreateTimer(_ => Check(), null, interval, interval);
        }

        void Check()
        {
            bool jumped;
            lock (gate)
            {
                var wall = time.GetUtcNow();
                var ticks = time.GetTimestamp();
                var expected = lastWall + time.GetElapsedTime(lastTicks, ticks);
                jumped = (wall - expected).Duration() > tolerance;
                lastWall = wall;
                lastTicks = ticks;
            }
            if (jumped) onJump();
        }

        public void Dispose() => timer.Dispose();
    }
}
