using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;
using IscsiDhcp.Operations.Jobs;

namespace IscsiDhcp.Operations.Leases
{
    /// <summary>
    /// Start-DhcpLease: dhcpagent's START (obtain a lease and keep it) or, with Inform, its
    /// INFORM (options for an address configured by other means). The wait for the answer
    /// may time out; the transaction goes on and Get-DhcpLease shows how it ends.
    /// </summary>
    public sealed class StartDhcpLeaseOperation
    {
        readonly IDhcpService service;

        public StartDhcpLeaseOperation(IDhcpService service) => this.service = service;

        public string InterfaceName { get; set; } = "";
        /// <summary>A virtual client: this MAC instead of the interface's own.</summary>
        public string? MacAddress { get; set; }
        /// <summary>Option 61 as hex bytes; by default 01 followed by the MAC.</summary>
        public string? ClientId { get; set; }
        public string? HostName { get; set; }
        public string? VendorClass { get; set; }
        public IPAddress? RequestedAddress { get; set; }
        public byte[]? ParameterRequestList { get; set; }
        /// <summary>Put the address and routes on the interface.</summary>
        public bool Configure { get; set; }
        /// <summary>Use the address without an ARP probe (RFC 5227), and neither announce nor defend it.</summary>
        public bool NoConflictDetection { get; set; }
        public IPAddress? RelayAddress { get; set; }
        public IPAddress? ServerAddress { get; set; }
        public bool Inform { get; set; }
        /// <summary>For Inform: the address configured by other means.</summary>
        public IPAddress? ClientAddress { get; set; }
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Client behaviour (offer window, retransmission); the defaults suit an interactive user.</summary>
        public DhcpClientOptions? ClientOptions { get; set; }
        /// <summary>
        /// The most the first DISCOVER waits, at random (RFC 2131 section 4.4.1, so that clients
        /// started together do not all ask at once). By default none for the interface's own
        /// lease, as udhcpc and dhcpcd start at once, and 1 s for a virtual client (-MacAddress),
        /// of which many may start together.
        /// </summary>
        public TimeSpan? StartDelayMax { get; set; }

        /// <summary>The desynchronising delay virtual clients get unless told otherwise.</summary>
        public static readonly TimeSpan VirtualClientStartDelayMax = TimeSpan.FromSeconds(1);

        /// <summary>The lease as the answer left it, once RunAsync has run without -AsJob.</summary>
        public DhcpLeaseStatus? Result { get; private set; }

        /// <summary>Checks what the user gave and asks ShouldProcess: the request to run, or null when the user declined.</summary>
        DhcpStartRequest? Prepare(ICommandHost host)
        {
            if (Inform && ClientAddress is null) throw new ArgumentException("-Inform needs -ClientAddress: the address configured by other means");
            if (!Inform && ClientAddress is not null) throw new ArgumentException("-ClientAddress is for -Inform");
            var request = Request();
            var action = Inform ? $"Ask the DHCP server for the options of {ClientAddress} (INFORM)"
                : Configure ? "Obtain a DHCP lease and configure the interface with it" : "Obtain a DHCP lease";
            if (!host.ShouldProcess(InterfaceName, action)) return null;
            if (!Inform)
            {
                var delay = request.ClientOptions!.StartDelayMax;
                host.WriteVerbose(delay == TimeSpan.Zero ? $"{InterfaceName}: the first DISCOVER goes out at once"
                    : $"{InterfaceName}: the first DISCOVER goes out after a random delay of up to {delay.TotalSeconds:0.###} s");
                host.WriteVerbose(!request.ClientOptions.ConflictDetection ? $"{InterfaceName}: the address is used without an ARP probe (-NoConflictDetection)"
                    : MacAddress is not null || RelayAddress is not null ? $"{InterfaceName}: a virtual client or relay-mode lease is not probed with ARP (it has no interface of its own)"
                    : $"{InterfaceName}: the address is probed with ARP before it is used (RFC 5227: 4 to 7 s)");
            }
            return request;
        }

        /// <summary>Sends the prepared START or INFORM and waits (up to Timeout) for the answer.</summary>
        Task<DhcpLeaseStatus> SendAsync(DhcpStartRequest request, CancellationToken cancel) =>
            Inform ? service.InformAsync(request, ClientAddress!, Timeout, cancel) : service.StartAsync(request, Timeout, cancel);

        /// <summary>Return the lease's supervisor job at once, before the lease is obtained (-AsJob).</summary>
        public bool AsJob { get; set; }

        /// <summary>
        /// Starts: checks what the user gave, asks ShouldProcess, makes the lease's job (watching
        /// from before START, so it sees every event) and sends START or INFORM. With -AsJob it
        /// writes the job at once and the outcome goes to the job: a failure to its error stream,
        /// and, but for a timeout (the attempt goes on), the job ends Failed with it. Without, it
        /// waits and writes the lease: Ctrl+C stops the job (the lease is dropped, the job Stopped),
        /// and a start that fails but for a timeout leaves no job. No job is made when
        /// <paramref name="jobs"/> is null (Ctrl+C then drops the lease itself).
        /// </summary>
        public async Task RunAsync(ICommandHost host, ISupervisorJobs? jobs = null)
        {
            if (AsJob && jobs is null) throw new InvalidOperationException("-AsJob needs somewhere to make the job");
            var request = Prepare(host);
            if (request is null) return;
            if (jobs is null)
            {
                await WaitAsync(request, host).ConfigureAwait(false);
                return;
            }
            var job = await jobs.ForLeaseAsync(KeyOf(request), host.Cancellation).ConfigureAwait(false);
            if (AsJob)
            {
                host.WriteObject(job);
                _ = FollowAsync(request, job);
                return;
            }
            try
            {
                Result = await SendAsync(request, host.Cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (host.Cancellation.IsCancellationRequested)
            {
                job.StopJob();   // as Stop-Job: the lease is dropped (its socket closes), the job Stopped
                throw;
            }
            catch (Exception e) when (!GoesOnAfter(e))
            {
                // The job has nothing left to watch.
                job.Abandon(e);
                jobs.Remove(job);
                throw;
            }
            host.WriteObject(Result);
        }

        async Task WaitAsync(DhcpStartRequest request, ICommandHost host)
        {
            try
            {
                Result = await SendAsync(request, host.Cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (host.Cancellation.IsCancellationRequested)
            {
                await CancelAsync(request).ConfigureAwait(false);
                throw;
            }
            host.WriteObject(Result);
        }

        /// <summary>-AsJob: the start runs on in the job, and how it fails is the job's (nothing goes on after any failure but a timeout).</summary>
        async Task FollowAsync(DhcpStartRequest request, ISupervisorJob job)
        {
            try
            {
                await SendAsync(request, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                job.WriteError(ErrorCatalog.Classify(failure, InterfaceName));
                if (!GoesOnAfter(failure)) job.Abandon(failure);
            }
        }

        /// <summary>
        /// A cancelled start is dropped: the lease stops being obtained, leaves the agent and
        /// closes its socket (a timeout, by contrast, leaves the attempt going on).
        /// </summary>
        async Task CancelAsync(DhcpStartRequest request)
        {
            try { await service.DropAsync(KeyOf(request)).ConfigureAwait(false); }
            catch (DhcpAgentException e) when (e.Error == DhcpAgentError.UnknownInterface) { }
        }

        /// <summary>Whether the lease is still being obtained after SendAsync failed so (the wait timed out; the attempt goes on).</summary>
        public static bool GoesOnAfter(Exception failure) => failure is DhcpAgentException { Error: DhcpAgentError.Timeout };

        /// <summary>The key the lease will have (for a job that watches it from the start).</summary>
        public static DhcpLeaseKey KeyOf(DhcpStartRequest request) =>
            new(request.InterfaceName, request.Identity?.ClientId ?? DhcpClientIdentity.ClientIdFromHardwareAddress(LocalInterfaces.HardwareAddress(request.InterfaceName)));

        DhcpStartRequest Request()
        {
            if (string.IsNullOrWhiteSpace(InterfaceName)) throw new ArgumentException("-InterfaceName is empty");
            if ((RelayAddress is null) != (ServerAddress is null)) throw new ArgumentException("relay mode needs both -RelayAddress and -ServerAddress");
            if (RelayAddress is null) CheckInterface();
            CheckRequestedAddress();
            DhcpClientIdentity? identity = null;
            if (MacAddress is not null || ClientId is not null || HostName is not null || VendorClass is not null || ParameterRequestList is not null || RelayAddress is not null)
            {
                byte[] mac;
                if (MacAddress is not null) mac = Parsed("MacAddress", "DhcpInvalidMacAddress", () => DhcpClientIdentity.ParseMac(MacAddress));
                else if (RelayAddress is not null) throw new ArgumentException("relay mode needs -MacAddress: the virtual client's hardware address");
                else mac = LocalInterfaces.HardwareAddress(InterfaceName);
                identity = new DhcpClientIdentity(mac) { HostName = HostName, VendorClass = VendorClass };
                if (ClientId is not null) identity = identity with { ClientId = Parsed("ClientId", "DhcpInvalidClientId", () => DhcpClientIdentity.ParseClientId(ClientId)) };
                if (ParameterRequestList is { Length: > 0 } list) identity = identity with { ParameterRequestList = list.ToArray() };
            }
            var options = ClientOptions ?? new DhcpClientOptions { StartDelayMax = MacAddress is null ? TimeSpan.Zero : VirtualClientStartDelayMax };
            if (StartDelayMax is { } most)
            {
                if (most < TimeSpan.Zero) throw DhcpArgumentException.Invalid("StartDelayMaxSec", "DhcpInvalidStartDelay", $"-StartDelayMaxSec {most.TotalSeconds}: a delay cannot be negative");
                options = options with { StartDelayMax = most };
            }
            if (RequestedAddress is not null) options = options with { RequestedAddress = RequestedAddress };
            if (NoConflictDetection) options = options with { ConflictDetection = false };
            return new DhcpStartRequest(InterfaceName)
            {
                Identity = identity,
                ClientOptions = options,
                Configure = Configure,
                RelayAddress = RelayAddress,
                ServerAddress = ServerAddress,
            };
        }

        /// <summary>
        /// The interface must exist, broadcast, and not be a loopback, and without -MacAddress
        /// it must have a hardware address of its own: DHCP finds its server by broadcast. (In
        /// relay mode the name only labels the lease: the socket is the relay's.)
        /// </summary>
        void CheckInterface()
        {
            var nic = LocalInterfaces.TryFind(InterfaceName) ?? throw new DhcpArgumentException("InterfaceName", "DhcpInterfaceNotFound", ErrorKind.ObjectNotFound,
                $"-InterfaceName {InterfaceName}: there is no network interface of that name on this machine");
            if (LocalInterfaces.UnsuitableForDhcp(nic) is { } why)
                throw DhcpArgumentException.Invalid("InterfaceName", "DhcpInterfaceUnsuitable", $"-InterfaceName {InterfaceName}: a DHCP client cannot run there: {why}");
            if (MacAddress is null && nic.GetPhysicalAddress().GetAddressBytes().Length == 0)
                throw DhcpArgumentException.Invalid("InterfaceName", "DhcpInterfaceUnsuitable", $"-InterfaceName {InterfaceName}: the interface has no hardware address; give one with -MacAddress");
        }

        /// <summary>An address a server could lease: IPv4, and not unspecified, loopback, link-local, multicast, reserved (240/4) or broadcast.</summary>
        void CheckRequestedAddress()
        {
            if (RequestedAddress is not { } address) return;
            string? why = null;
            if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) why = "DHCP leases IPv4 addresses only";
            else
            {
                var b = address.GetAddressBytes();
                if (address.Equals(IPAddress.Any)) why = "it is the unspecified address";
                else if (address.Equals(IPAddress.Broadcast)) why = "it is the broadcast address";
                else if (b[0] == 127) why = "it is a loopback address";
                else if (b[0] == 169 && b[1] == 254) why = "it is a link-local address";
                else if (b[0] >= 224 && b[0] <= 239) why = "it is a multicast address";
                else if (b[0] >= 240) why = "it is in the reserved range 240.0.0.0/4";
                else if (b[0] == 0) why = "it is in 0.0.0.0/8, which names this host";
            }
            if (why is not null)
                throw DhcpArgumentException.Invalid("RequestedAddress", "DhcpInvalidRequestedAddress", $"-RequestedAddress {address}: not an address a DHCP server can lease: {why}");
        }

        static T Parsed<T>(string parameter, string errorId, Func<T> parse)
        {
            try { return parse(); }
            catch (ArgumentException e) when (e is not DhcpArgumentException)
            {
                var message = e.Message;
                var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
                if (cut >= 0) message = message.Substring(0, cut);
                if (!message.StartsWith("-" + parameter, StringComparison.Ordinal)) message = $"-{parameter}: {message}";
                throw DhcpArgumentException.Invalid(parameter, errorId, message);
            }
        }
    }
}
