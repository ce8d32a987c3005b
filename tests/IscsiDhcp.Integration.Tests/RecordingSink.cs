using System.Collections.Concurrent;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Integration.Tests;

/// <summary>A supervisor job's streams, kept: what a watch writes to the job, and how it finished.</summary>
public sealed class RecordingSink : IJobSink
{
    public ConcurrentQueue<object> Output { get; } = new();
    public ConcurrentQueue<OperationProgress> Progress { get; } = new();
    public ConcurrentQueue<OperationError> Errors { get; } = new();
    public TaskCompletionSource<Exception?> Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void WriteOutput(object item) => Output.Enqueue(item);
    public void WriteProgress(OperationProgress progress) => Progress.Enqueue(progress);
    public void WriteError(OperationError failure) => Errors.Enqueue(failure);
    public void Finish(Exception? failure) => Finished.TrySetResult(failure);
}
