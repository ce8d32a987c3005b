using System;

namespace IscsiDhcp.Iscsi.Supervisor
{
    /// <summary>How a supervisor keeps its session alive: keep-alive, reconnect back-off, and the limits that end it.</summary>
    public sealed record IscsiSupervisorOptions
    {
        /// <summary>A NOP-Out this often while logged in (open-iscsi's noop_out_interval).</summary>
        public TimeSpan NopInterval { get; init; } = TimeSpan.FromSeconds(5);
        /// <summary>How long a NOP-Out may go unanswered before the connection counts as lost (open-iscsi's noop_out_timeout).</summary>
        public TimeSpan NopTimeout { get; init; } = TimeSpan.FromSeconds(5);
        /// <summary>How long commands wait for a lost session to come back before they fail (open-iscsi's replacement_timeout).</summary>
        public TimeSpan ReplacementTimeout { get; init; } = TimeSpan.FromSeconds(120);
        /// <summary>The first reconnect back-off; it doubles up to <see cref="MaxReconnectDelay"/>, never below the target's DefaultTime2Wait.</summary>
        public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);
        public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);
        /// <summary>Transient failures (refused, unreachable, target busy) tolerated before the first login gives up.</summary>
        public int LoginAttempts { get; init; } = 3;
        /// <summary>Redirects followed in one login round before it counts as a loop.</summary>
        public int MaxRedirects { get; init; } = 5;
        /// <summary>This many reconnects within <see cref="ReconnectStormWindow"/> is a storm, and the supervisor gives up (iscontrol's "too many reconnects").</summary>
        public int ReconnectStormLimit { get; init; } = 10;
        public TimeSpan ReconnectStormWindow { get; init; } = TimeSpan.FromSeconds(60);
        /// <summary>How long a graceful disconnect waits for commands in flight before it logs out.</summary>
        public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);
        public TimeSpan LogoutTimeout { get; init; } = TimeSpan.FromSeconds(10);
        /// <summary>
        /// How long the first login may take, all its attempts and back-offs together
        /// (Connect-IscsiTarget -TimeoutSec); past it the supervisor ends with an
        /// <see cref="IscsiLoginTimeoutException"/>. None by default: the attempts alone bound it.
        /// </summary>
        public TimeSpan? FirstLoginTimeout { get; init; }

        public void Validate()
        {
            Positive(nameof(NopInterval), NopInterval);
            Positive(nameof(NopTimeout), NopTimeout);
            Positive(nameof(ReplacementTimeout), ReplacementTimeout);
            Positive(nameof(ReconnectDelay), ReconnectDelay);
            if (MaxReconnectDelay < ReconnectDelay) throw new ArgumentOutOfRangeException(nameof(MaxReconnectDelay), MaxReconnectDelay, "must be at least ReconnectDelay");
            if (LoginAttempts < 1) throw new ArgumentOutOfRangeException(nameof(LoginAttempts), LoginAttempts, "must be at least 1");
            if (MaxRedirects < 0) throw new ArgumentOutOfRangeException(nameof(MaxRedirects), MaxRedirects, "must not be negative");
            if (ReconnectStormLimit < 2) throw new ArgumentOutOfRangeException(nameof(ReconnectStormLimit), ReconnectStormLimit, "must be at least 2");
            Positive(nameof(ReconnectStormWindow), ReconnectStormWindow);
            if (DrainTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(DrainTimeout), DrainTimeout, "must not be negative");
            Positive(nameof(LogoutTimeout), LogoutTimeout);
            if (FirstLoginTimeout is { } first) Positive(nameof(FirstLoginTimeout), first);
        }

        static void Positive(string name, TimeSpan value)
        {
            if (value <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(name, value, "must be positive");
        }
    }
}
