using IscsiDhcp.Common;

namespace IscsiDhcp.Tests.Common;

public sealed class WaitingTests
{
    [Fact]
    public async Task A_task_that_finishes_first_is_reported_finished()
    {
        var work = new TaskCompletionSource<int>();
        using var cancel = new CancellationTokenSource();
        var waiting = work.Task.CompletesBeforeAsync(cancel.Token);
        Assert.False(waiting.IsCompleted);
        work.SetResult(1);
        Assert.True(await waiting);
    }

    [Fact]
    public async Task A_cancellation_that_comes_first_ends_the_wait_and_leaves_the_task_running()
    {
        var work = new TaskCompletionSource<int>();
        using var cancel = new CancellationTokenSource();
        var waiting = work.Task.CompletesBeforeAsync(cancel.Token);
        cancel.Cancel();
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(work.Task.IsCompleted);
    }

    [Fact]
    public async Task A_failed_task_counts_as_finished_and_is_not_thrown_here()
    {
        using var cancel = new CancellationTokenSource();
        Assert.True(await Task.FromException(new InvalidOperationException("x")).CompletesBeforeAsync(cancel.Token));
    }

    [Fact]
    public async Task An_already_cancelled_token_with_a_running_task_is_not_finished()
    {
        Assert.False(await new TaskCompletionSource().Task.CompletesBeforeAsync(new CancellationToken(canceled: true)));
    }
}
