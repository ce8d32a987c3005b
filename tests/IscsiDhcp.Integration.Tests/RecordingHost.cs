using System.Collections.Concurrent;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Integration.Tests;

/// <summary>An ICommandHost that keeps everything an operation says, and answers ShouldProcess as told.</summary>
public sealed class RecordingHost(bool confirm = true) : ICommandHost
{
    public ConcurrentQueue<object> Objects { get; } = new();
    public ConcurrentQueue<OperationError> Errors { get; } = new();
    public ConcurrentQueue<OperationProgress> Progress { get; } = new();
    public ConcurrentQueue<string> Verbose { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<(string Target, string Action)> Asked { get; } = new();

    public CancellationToken Cancellation { get; init; }

    /// <summary>The one object of type T written (fails the test otherwise).</summary>
    public T Only<T>() => Assert.Single(Objects.OfType<T>());

    public void WriteObject(object value) => Objects.Enqueue(value);
    public void WriteVerbose(string message) => Verbose.Enqueue(message);
    public void WriteWarning(string message) => Warnings.Enqueue(message);
    public void WriteProgress(OperationProgress progress) => Progress.Enqueue(progress);
    public void WriteError(OperationError failure) => Errors.Enqueue(failure);

    public bool ShouldProcess(string target, string action)
    {
        Asked.Enqueue((target, action));
        return confirm;
    }
}
