using System;
using System.IO;

namespace IscsiDhcp.Agent
{
    /// <summary>How an agent runs: where it listens and keeps state, who may change state, and whether it leaves when idle.</summary>
    public sealed record AgentOptions
    {
        public string SocketPath { get; init; } = AgentEndpoint.SocketPath;

        /// <summary>
        /// The NBD socket the LUNs of the agent's sessions are exported on: by default nbd.sock
        /// beside <see cref="SocketPath"/> (/run/iscsidhcp/nbd.sock); null where none is made (Windows).
        /// </summary>
        public string? ExportSocketPath
        {
            get => exportSocketPath ?? AgentEndpoint.ExportSocketPathFor(SocketPath);
            init => exportSocketPath = value;
        }

        string? exportSocketPath;

        /// <summary>The agent's store and its leases live here (0700).</summary>
        public string StateDirectory { get; init; } = AgentEndpoint.DefaultStateDirectory;

        /// <summary>Members of this group may change state besides root; null or empty: root only.</summary>
        public string? AdminGroup { get; init; } = "iscsidhcp";

        /// <summary>An agent started on demand leaves after this long with nothing to manage; null: never (a service manager's agent).</summary>
        public TimeSpan? IdleTimeout { get; init; }

        /// <summary>How long each session's logout may take when the agent stops.</summary>
        public TimeSpan LogoutTimeout { get; init; } = TimeSpan.FromSeconds(10);

        /// <summary>First wait before a persistent session that failed is tried again; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
        public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(5);

        public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

        public string StorePath => Path.Combine(StateDirectory, "agent", "state.json");
        public string LeaseDirectory => Path.Combine(StateDirectory, "leases");

        /// <summary>Held (flock) for the agent's whole life: a second agent for the same socket refuses to start.</summary>
        public string LockPath => SocketPath + ".lock";

        public void Validate()
        {
            if (string.IsNullOrWhiteSpace(SocketPath)) throw new ArgumentException("the agent needs a socket path", nameof(SocketPath));
            if (!Path.IsPathRooted(SocketPath)) throw new ArgumentException($"the agent's socket path '{SocketPath}' must be absolute", nameof(SocketPath));
            if (ExportSocketPath is { } export && !Path.IsPathRooted(export)) throw new ArgumentException($"the agent's NBD socket path '{export}' must be absolute", nameof(ExportSocketPath));
            if (string.IsNullOrWhiteSpace(StateDirectory)) throw new ArgumentException("the agent needs a state directory", nameof(StateDirectory));
            if (IdleTimeout is { } idle && idle <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(IdleTimeout), idle, "must be positive");
            if (RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay) throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, "must be positive and at most MaxRetryDelay");
        }
    }
}
