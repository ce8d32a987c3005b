using System;
using System.Threading.Tasks;

namespace IscsiDhcp.Operations.Jobs
{
    /// <summary>
    /// What a supervisor job holds of what it watches (a session; a lease to follow): the way
    /// to end it. What the watch sees goes to the job's <see cref="IJobSink"/>, ending with
    /// <see cref="IJobSink.Finish"/>. Disposing stops the watching, not what is watched.
    /// </summary>
    public interface ISupervisorWatch : IDisposable
    {
        /// <summary>Ends what is watched (a session logs out, or is dropped when <paramref name="force"/>d); the watch finishes with it. Nothing when it has ended already.</summary>
        Task StopAsync(bool force);
    }
}
