namespace System.Runtime.CompilerServices
{
    /// <summary>Lets netstandard2.0 code use init accessors and records (the type ships only with .NET 5+).</summary>
    internal static class IsExternalInit
    {
    }
}
