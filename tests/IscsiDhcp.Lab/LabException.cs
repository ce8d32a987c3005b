namespace IscsiDhcp.Lab;

/// <summary>A peer could not be set up or torn down; the message says which and why.</summary>
public sealed class LabException : Exception
{
    public LabException(string message) : base(message) { }
    public LabException(string message, Exception inner) : base(message, inner) { }
}
