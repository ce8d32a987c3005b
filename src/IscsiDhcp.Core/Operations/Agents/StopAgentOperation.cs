using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using IscsiDhcp.Agent;

namespace IscsiDhcp.Operations.Agents
{
    /// <summary>
    /// Stop-IscsiDhcpAgent: the agent logs its sessions out and drops its leases (they stay
    /// configured and stored, and are taken up when it starts again); returns once it is gone.
    /// </summary>
    public sealed class StopAgentOperation
    {
        static readonly TimeSpan GoneWithin = TimeSpan.FromSeconds(60);
        readonly RoutedService routes;

        public StopAgentOperation(RoutedService routes) => this.routes = routes;

        public async Task RunAsync(ICommandHost host)
        {
            var agent = await routes.FindAgentAsync(host.Cancellation).ConfigureAwait(false)
                ?? throw new AgentUnavailableException($"no IscsiDhcp agent runs on {AgentEndpoint.SocketPath}");
            var status = await agent.GetStatusAsync(host.Cancellation).ConfigureAwait(false);
            if (!host.ShouldProcess($"IscsiDhcp agent {status.ProcessId} ({status.Sessions} sessions, {status.Leases} leases)", "Stop: log sessions out, keep leases")) return;
            await agent.StopAgentAsync(host.Cancellation).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            while (File.Exists(agent.SocketPath) || agent.IsConnected)
            {
                if (clock.Elapsed > GoneWithin) throw new TimeoutException($"the IscsiDhcp agent {status.ProcessId} did not stop within {GoneWithin.TotalSeconds:0} s");
                await Task.Delay(100, host.Cancellation).ConfigureAwait(false);
            }
            host.WriteVerbose($"IscsiDhcp agent {status.ProcessId} stopped");
        }
    }
}
