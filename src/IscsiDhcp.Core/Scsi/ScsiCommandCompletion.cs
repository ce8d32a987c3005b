using System;
using System.Threading.Tasks;

namespace IscsiDhcp.Scsi
{
    /// <summary>A command's outcome as a task, for the rare command that is not on the read path (it allocates).</summary>
    public sealed class ScsiCommandCompletion : IScsiCompletion
    {
        readonly TaskCompletionSource<ScsiCommandResult> outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<ScsiCommandResult> Task => outcome.Task;

        public void Complete(in ScsiCommandResult result) => outcome.TrySetResult(result);

        public void Fail(Exception reason) => outcome.TrySetException(reason);
    }
}
