using System;

namespace IscsiDhcp.Operations.Jobs
{
    /// <summary>
    /// A supervisor job as the start that made it holds it, when it is made before what it
    /// watches exists (a lease's job watches from before START, so it sees every event): the
    /// start's outcome is routed here, since no event of what is watched reports it.
    /// </summary>
    public interface ISupervisorJob
    {
        /// <summary>Writes to the job's error stream (with -AsJob, how the start failed).</summary>
        void WriteError(OperationError failure);

        /// <summary>As Stop-Job (Ctrl+C during the start): ends what the job watches, and the job, Stopped.</summary>
        void StopJob();

        /// <summary>Ends the job Failed with <paramref name="failure"/>, watching nothing: what it was to watch never came to be (or is another start's).</summary>
        void Abandon(Exception failure);
    }
}
