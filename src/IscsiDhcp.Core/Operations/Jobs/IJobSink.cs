using System;

namespace IscsiDhcp.Operations.Jobs
{
    /// <summary>Where a supervisor job's streams go: a PowerShell Job2 implements it with its Output, Progress and Error collections.</summary>
    public interface IJobSink
    {
        void WriteOutput(object item);

        void WriteProgress(OperationProgress progress);

        void WriteError(OperationError failure);

        /// <summary>The watched session or lease has ended: cleanly (null) or with the failure that ended it.</summary>
        void Finish(Exception? failure);
    }
}
