using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// Start-DhcpLease -EventAction: the script block runs for every lease event, with the
    /// event as its first argument, in a runspace the lease's job owns (opened at the first
    /// event, closed when the job ends); what it writes goes to the job's streams.
    /// </summary>
    sealed class EventActionSink : IJobSink
    {
        readonly IJobSink job;
        readonly SupervisorJob streams;
        readonly string script;
        Runspace? runspace;

        public EventActionSink(SupervisorJob job, ScriptBlock action)
        {
            this.job = job;
            streams = job;
            script = action.ToString();
        }

        public void WriteOutput(object item)
        {
            job.WriteOutput(item);
            if (item is DhcpLeaseEventArgs) Run(item);
        }

        public void WriteProgress(OperationProgress progress) => job.WriteProgress(progress);

        public void WriteError(OperationError failure) => job.WriteError(failure);

        public void Finish(Exception? failure)
        {
            runspace?.Dispose();
            job.Finish(failure);
        }

        void Run(object leaseEvent)
        {
            runspace ??= OpenRunspace();
            using var shell = PowerShell.Create();
            shell.Runspace = runspace;
            shell.AddScript(script).AddArgument(leaseEvent);
            try
            {
                foreach (var result in shell.Invoke()) streams.Output.Add(result);
            }
            catch (RuntimeException e)
            {
                streams.Error.Add(new ErrorRecord(e.ErrorRecord, e));
            }
            foreach (var error in shell.Streams.Error) streams.Error.Add(error);
        }

        static Runspace OpenRunspace()
        {
            var opened = RunspaceFactory.CreateRunspace();
            opened.Open();
            return opened;
        }
    }
}
