using System;
using System.Management.Automation;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Hosting
{
    /// <summary>Core's failures as ErrorRecords: the catalog's id and kind (ErrorKind names are ErrorCategory names).</summary>
    static class ErrorRecords
    {
        public static ErrorRecord From(OperationError error) =>
            new(error.Exception, error.ErrorId, Category(error.Kind), error.Target);

        public static ErrorRecord From(Exception exception, object? target = null) => From(ErrorCatalog.Classify(exception, target));

        static ErrorCategory Category(ErrorKind kind) =>
            Enum.TryParse<ErrorCategory>(kind.ToString(), out var category) ? category : ErrorCategory.InvalidOperation;
    }
}
