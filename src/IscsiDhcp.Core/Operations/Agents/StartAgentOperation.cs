using System;
using System.Threading.Tasks;
using IscsiDhcp.Agent;

namespace IscsiDhcp.Operations.Agents
{
    /// <summary>
    /// Start-IscsiDhcpAgent: in the foreground, this process becomes the agent until it is
    /// stopped (Ctrl+C, SIGTERM, Stop-IscsiDhcpAgent, or idleness when asked); otherwise the
    /// host's agent is found or started detached, and described.
    /// </summary>
    public sealed class StartAgentOperation
    {
        readonly RoutedService routes;

        public StartAgentOperation(RoutedService routes) => this.routes = routes;

        public bool Foreground { get; set; }
        public AgentOptions Options { get; set; } = new();

        /// <summary>Where a foreground agent's log lines go (the cmdlet: standard error, which a service manager keeps).</summary>
        public Action<string>? Log { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            if (!Foreground)
            {
                var agent = await routes.RequireAgentAsync(host, "Start-IscsiDhcpAgent", host.Cancellation).ConfigureAwait(false);
                host.WriteObject(await agent.GetStatusAsync(host.Cancellation).ConfigureAwait(false));
                return;
            }
            using var agentProcess = new IscsiDhcpAgent(Options, Log ?? host.WriteVerbose);
            agentProcess.Start();
            // SIGTERM (a service manager's stop) stops the agent, which then returns here; any
            // other end of the process still logs the sessions out on its way.
            using var sigterm = TerminationSignal.Handle(agentProcess.Stop);
            void OnExit(object? sender, EventArgs e) => agentProcess.ShutdownAsync().Wait(Options.LogoutTimeout + TimeSpan.FromSeconds(5));
            AppDomain.CurrentDomain.ProcessExit += OnExit;
            try
            {
                host.WriteObject(agentProcess.GetStatus());
                await agentProcess.RunAsync(host.Cancellation).ConfigureAwait(false);
            }
            finally
            {
                AppDomain.CurrentDomain.ProcessExit -= OnExit;
            }
        }
    }
}
