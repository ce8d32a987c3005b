using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Agent;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// A cmdlet that runs a Core operation: the operation runs on the thread pool and whatever
    /// it writes (objects, progress, errors, ShouldProcess questions) is carried back to the
    /// pipeline thread, the only one PowerShell lets write. Ctrl+C cancels the operation; its
    /// failure becomes an error from the catalog: terminating (<see cref="Run"/>), or, for an
    /// operation on one pipeline item, non-terminating so the next item still gets its turn
    /// (<see cref="RunItem"/>).
    /// </summary>
    public abstract class OperationCmdlet : PSCmdlet, ICommandHost, IDisposable
    {
        readonly CancellationTokenSource stopping = new();
        BlockingCollection<Action>? mailbox;
        int pipelineThread = -1;

        /// <summary>Where sessions and leases live (in this process today).</summary>
        /// <summary>Sessions and leases: the agent's when one runs for this host, this process's otherwise.</summary>
        protected internal static RoutedService Routes { get; } = new(InProcessService.Shared, AgentLauncher.Start);

        protected internal static IIscsiDhcpService Service => Routes;

        public CancellationToken Cancellation => stopping.Token;

        protected override void StopProcessing() => stopping.Cancel();

        /// <summary>PowerShell disposes a cmdlet when its pipeline ends.</summary>
        public void Dispose()
        {
            stopping.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>Runs the operation to its end, writing what it writes; its failure ends the pipeline.</summary>
        protected void Run(Func<ICommandHost, Task> operation) => Execute(operation, itemOnly: false);

        /// <summary>Runs the operation on the current pipeline item; its failure is that item's error, and the pipeline goes on. False when it failed.</summary>
        protected bool RunItem(Func<ICommandHost, Task> operation) => Execute(operation, itemOnly: true);

        bool Execute(Func<ICommandHost, Task> operation, bool itemOnly)
        {
            using var box = new BlockingCollection<Action>();
            mailbox = box;
            pipelineThread = Environment.CurrentManagedThreadId;
            var task = Task.Run(() => operation(this));
            _ = task.ContinueWith(_ => box.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                foreach (var action in box.GetConsumingEnumerable()) action();
            }
            catch
            {
                stopping.Cancel();   // the pipeline is going (Ctrl+C, or a downstream error): so is the operation
                throw;
            }
            finally
            {
                mailbox = null;
                pipelineThread = -1;
            }
            try
            {
                task.GetAwaiter().GetResult();
                return true;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                if (!itemOnly) ThrowTerminatingError(ErrorRecords.From(e));
                WriteError(ErrorRecords.From(e));
                return false;
            }
        }

        void OnPipeline(Action action)
        {
            var box = mailbox;
            if (box is null || Environment.CurrentManagedThreadId == pipelineThread) action();
            else box.Add(action);
        }

        T OnPipeline<T>(Func<T> question)
        {
            var box = mailbox;
            if (box is null || Environment.CurrentManagedThreadId == pipelineThread) return question();
            var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            box.Add(() =>
            {
                try { answer.SetResult(question()); }
                catch (Exception e) { answer.SetException(e); }
            });
            // When the pipeline fails while this question waits in the mailbox, nobody will
            // ever ask it: the cancellation that failure sets ends the wait instead.
            Task.WaitAny(new Task[] { answer.Task }, stopping.Token);
            return answer.Task.GetAwaiter().GetResult();
        }

        void ICommandHost.WriteObject(object value) => OnPipeline(() => WriteObject(value));

        void ICommandHost.WriteVerbose(string message) => OnPipeline(() => WriteVerbose(message));

        void ICommandHost.WriteWarning(string message) => OnPipeline(() => WriteWarning(message));

        void ICommandHost.WriteError(OperationError failure) => OnPipeline(() => WriteError(ErrorRecords.From(failure)));

        void ICommandHost.WriteProgress(OperationProgress progress) => OnPipeline(() => WriteProgress(ProgressRecords.From(progress)));

        bool ICommandHost.ShouldProcess(string target, string action) => OnPipeline(() => ShouldProcess(target, action));
    }
}
