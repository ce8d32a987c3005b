using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Common
{
    /// <summary>
    /// The one way to wait for a task "unless cancelled first" (netstandard2.0 has no
    /// Task.WaitAsync): the caller decides what a cancellation means (a timeout, a closed
    /// session, the user's Ctrl+C).
    /// </summary>
    public static class Waiting
    {
        /// <summary>
        /// True when <paramref name="task"/> finished (successfully or not: it is neither
        /// awaited nor observed here) before <paramref name="cancel"/> was cancelled.
        /// </summary>
        public static async Task<bool> CompletesBeforeAsync(this Task task, CancellationToken cancel)
        {
            if (task.IsCompleted) return true;
            if (cancel.IsCancellationRequested) return false;
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancel.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), cancelled))
                return await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) == task;
        }
    }
}
