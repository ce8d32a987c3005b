using System;
using System.Management.Automation;
using IscsiDhcp.Agent;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Agents;

namespace IscsiDhcp.Commands
{
    [Cmdlet(VerbsLifecycle.Start, "IscsiDhcpAgent")]
    [OutputType(typeof(AgentStatus))]
    public sealed class StartIscsiDhcpAgentCommand : OperationCmdlet
    {
        [Parameter]
        public SwitchParameter Foreground { get; set; }

        [Parameter]
        [ValidateRange(1, 604800)]
        public int IdleTimeoutSec { get; set; }

        [Parameter]
        [AllowEmptyString]
        public string AdminGroup { get; set; } = "iscsidhcp";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StateDirectory { get; set; }

        protected override void ProcessRecord()
        {
            var options = new AgentOptions
            {
                AdminGroup = AdminGroup,
                IdleTimeout = MyInvocation.BoundParameters.ContainsKey(nameof(IdleTimeoutSec)) ? TimeSpan.FromSeconds(IdleTimeoutSec) : null,
            };
            if (StateDirectory is not null) options = options with { StateDirectory = SessionState.Path.GetUnresolvedProviderPathFromPSPath(StateDirectory) };
            // A foreground agent is a daemon: its log goes to standard error (the journal under systemd),
            // which works from any thread and to the very end, SIGTERM included.
            var operation = new StartAgentOperation(Routes)
            {
                Foreground = Foreground,
                Options = options,
                Log = line => Console.Error.WriteLine($"{DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss.fff} iscsidhcp-agent: {line}"),
            };
            Run(operation.RunAsync);
        }
    }
}
