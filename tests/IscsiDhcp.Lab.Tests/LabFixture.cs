namespace IscsiDhcp.Lab.Tests;

/// <summary>One lab run for a test class; everything it made is removed when the class is done.</summary>
public class LabFixture : IDisposable
{
    public LabRun Run { get; } = LabRun.Create();

    public virtual void Dispose()
    {
        Run.Dispose();
        GC.SuppressFinalize(this);
    }
}
