using System;
using System.Management.Automation;
using System.Net;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Leases;

namespace IscsiDhcp.Commands
{
    /// <summary>
    /// Start-DhcpLease: obtain a lease (dhcpagent's START) or, with -Inform, the options for an
    /// address configured by other means (INFORM), and keep it supervised by a job
    /// (DhcpLease:&lt;interface&gt;).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "DhcpLease", SupportsShouldProcess = true)]
    [OutputType(typeof(DhcpLeaseStatus))]
    [OutputType(typeof(SupervisorJob))]
    public sealed class StartDhcpLeaseCommand : OperationCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(InterfaceNameCompleter))]
        public string InterfaceName { get; set; } = "";

        /// <summary>A virtual client: this MAC instead of the interface's own.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MacAddress { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HostName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? VendorClass { get; set; }

        [Parameter]
        public IPAddress? RequestedAddress { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public byte[]? ParameterRequestList { get; set; }

        /// <summary>Put the address and routes on the interface (and take them off when the lease ends).</summary>
        [Parameter]
        public SwitchParameter Configure { get; set; }

        /// <summary>Relay mode: our own IPv4 address, sent as giaddr.</summary>
        [Parameter]
        public IPAddress? RelayAddress { get; set; }

        /// <summary>Relay mode: the server to talk to.</summary>
        [Parameter]
        public IPAddress? ServerAddress { get; set; }

        /// <summary>Use the address without probing it with ARP first (RFC 5227), and neither announce nor defend it.</summary>
        [Parameter]
        public SwitchParameter NoConflictDetection { get; set; }

        [Parameter]
        public SwitchParameter Inform { get; set; }

        [Parameter]
        public IPAddress? ClientAddress { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 30;

        /// <summary>The most the first DISCOVER waits, at random; by default 0, or 1 for a virtual client (-MacAddress).</summary>
        [Parameter]
        [ValidateRange(0, 10)]
        public int? StartDelayMaxSec { get; set; }

        /// <summary>Runs for every lease event (the event is its first argument), in a runspace of the lease's job.</summary>
        [Parameter]
        public ScriptBlock? EventAction { get; set; }

        [Parameter]
        public SwitchParameter AsJob { get; set; }

        protected override void ProcessRecord()
        {
            var operation = new StartDhcpLeaseOperation(Service.Leases)
            {
                InterfaceName = InterfaceName,
                MacAddress = MacAddress,
                ClientId = ClientId,
                HostName = HostName,
                VendorClass = VendorClass,
                RequestedAddress = RequestedAddress,
                ParameterRequestList = ParameterRequestList,
                Configure = Configure,
                NoConflictDetection = NoConflictDetection,
                RelayAddress = RelayAddress,
                ServerAddress = ServerAddress,
                Inform = Inform,
                ClientAddress = ClientAddress,
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                StartDelayMax = StartDelayMaxSec is { } most ? TimeSpan.FromSeconds(most) : null,
                AsJob = AsJob,
            };
            Run(host => operation.RunAsync(host, new SupervisorJobRepository(Service, JobRepository) { EventAction = EventAction }));
        }
    }
}
