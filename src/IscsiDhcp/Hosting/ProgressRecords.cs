using System.Management.Automation;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Hosting
{
    static class ProgressRecords
    {
        public static ProgressRecord From(OperationProgress progress) => new(progress.ActivityId, progress.Activity, progress.Status)
        {
            PercentComplete = progress.PercentComplete,
            SecondsRemaining = progress.SecondsRemaining,
            RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
    }
}
