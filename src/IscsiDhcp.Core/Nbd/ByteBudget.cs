using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// Bytes a connection may hold at once, taken in first-come order: a request waits here
    /// before its payload is read or its read buffer rented, so a client's memory is bounded
    /// however many large requests it sends.
    /// </summary>
    sealed class ByteBudget
    {
        readonly object gate = new();
        readonly Queue<(int Bytes, TaskCompletionSource<bool> Waiter)> waiting = new();
        int available;

        public ByteBudget(int bytes) => available = bytes;

        public Task TakeAsync(int bytes, CancellationToken cancel)
        {
            TaskCompletionSource<bool> waiter;
            lock (gate)
            {
                while (waiting.Count > 0 && waiting.Peek().Waiter.Task.IsCanceled) waiting.Dequeue();
                if (waiting.Count == 0 && available >= bytes)
                {
                    available -= bytes;
                    return Task.CompletedTask;
                }
                waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting.Enqueue((bytes, waiter));
            }
            if (!cancel.CanBeCanceled) return waiter.Task;
            return WaitAsync(waiter, cancel);
        }

        static async Task WaitAsync(TaskCompletionSource<bool> waiter, CancellationToken cancel)
        {
            // Whichever of grant and cancel comes first wins the waiter; a grant that lost takes nothing (see Give).
            using (cancel.Register(() => waiter.TrySetCanceled()))
                await waiter.Task.ConfigureAwait(false);
        }

        public void Give(int bytes)
        {
            lock (gate)
            {
                available += bytes;
                while (waiting.Count > 0)
                {
                    var (want, waiter) = waiting.Peek();
                    if (waiter.Task.IsCanceled)
                    {
                        waiting.Dequeue();
                        continue;
                    }
                    if (available < want) break;
                    waiting.Dequeue();
                    if (waiter.TrySetResult(true)) available -= want;   // else cancelled meanwhile: nothing taken
                }
            }
        }
    }
}
