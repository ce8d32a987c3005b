using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Supervisor;

namespace IscsiDhcp.Operations.Jobs
{
    /// <summary>
    /// Where an operation gets the job that supervises what it started: the module makes
    /// PowerShell jobs (SupervisorJob, registered so Get-Job shows them); tests make sinks
    /// that record. Either way the job is made by one factory that owns the wiring.
    /// </summary>
    public interface ISupervisorJobs
    {
        /// <summary>A started job watching <paramref name="session"/> from its first transition until it ends; returned for -AsJob to write.</summary>
        Task<object> ForSessionAsync(IscsiSession session, CancellationToken cancel);
    }
}
