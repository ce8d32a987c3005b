using System;

namespace IscsiDhcp.Operations
{
    /// <summary>A failure as the user sees it: the exception, its kind, a stable id to match on, and what it concerned.</summary>
    public sealed class OperationError
    {
        public OperationError(Exception exception, ErrorKind kind, string errorId, object? target)
        {
            Exception = exception;
            Kind = kind;
            ErrorId = errorId;
            Target = target;
        }

        public Exception Exception { get; }
        public ErrorKind Kind { get; }
        /// <summary>Stable across releases (a script may match on it): the FullyQualifiedErrorId's first part.</summary>
        public string ErrorId { get; }
        public object? Target { get; }

        public override string ToString() => $"{ErrorId} ({Kind}): {Exception.Message}";
    }
}
