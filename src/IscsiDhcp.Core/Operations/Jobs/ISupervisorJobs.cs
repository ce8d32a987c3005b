using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
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
        Task<object> ForSessionAsync(IscsiSessionStatus session, CancellationToken cancel);

        /// <summary>
        /// A started job watching <paramref name="lease"/>, which need not exist yet: it sees every
        /// event from when this returns, START's included. The job is what -AsJob writes.
        /// </summary>
        Task<ISupervisorJob> ForLeaseAsync(DhcpLeaseKey lease, CancellationToken cancel);

        /// <summary>Forgets a job whose start failed (Get-Job no longer lists it): a start that fails leaves no job behind.</summary>
        void Remove(ISupervisorJob job);
    }
}
