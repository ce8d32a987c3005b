using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Hosting
{
    /// <summary>The module's supervisor jobs for an operation: made by <see cref="SupervisorJob"/>'s factories and registered, so Get-Job shows them.</summary>
    sealed class SupervisorJobRepository : ISupervisorJobs
    {
        readonly IIscsiDhcpService service;
        readonly JobRepository repository;

        public SupervisorJobRepository(IIscsiDhcpService service, JobRepository repository)
        {
            this.service = service;
            this.repository = repository;
        }

        /// <summary>Start-DhcpLease -EventAction: runs for every event of a lease job made here.</summary>
        public ScriptBlock? EventAction { get; set; }

        public async Task<object> ForSessionAsync(IscsiSessionStatus session, CancellationToken cancel)
        {
            var job = await SupervisorJob.ForSessionAsync(service, session, cancel).ConfigureAwait(false);
            repository.Add(job);
            return job;
        }

        public async Task<ISupervisorJob> ForLeaseAsync(DhcpLeaseKey lease, CancellationToken cancel)
        {
            var job = await SupervisorJob.ForLeaseAsync(service.Leases, lease, EventAction, cancel).ConfigureAwait(false);
            repository.Add(job);
            return job;
        }

        public void Remove(ISupervisorJob job) => repository.Remove((SupervisorJob)job);
    }
}
