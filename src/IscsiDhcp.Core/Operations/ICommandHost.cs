using System.Threading;

namespace IscsiDhcp.Operations
{
    /// <summary>
    /// What an operation may do to whoever runs it: a cmdlet implements it with WriteObject,
    /// WriteProgress, ShouldProcess and friends; tests implement it by recording.
    /// </summary>
    public interface ICommandHost
    {
        /// <summary>Set when the user presses Ctrl+C, the job is stopped, or the pipeline ends early.</summary>
        CancellationToken Cancellation { get; }

        void WriteObject(object value);

        void WriteVerbose(string message);

        void WriteWarning(string message);

        void WriteProgress(OperationProgress progress);

        /// <summary>A failure of one item; the operation goes on with the next.</summary>
        void WriteError(OperationError failure);

        /// <summary>Whether to go ahead with <paramref name="action"/> on <paramref name="target"/> (-WhatIf, -Confirm).</summary>
        bool ShouldProcess(string target, string action);
    }
}
