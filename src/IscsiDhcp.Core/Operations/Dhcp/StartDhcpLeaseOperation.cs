using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Operations.Dhcp
{
    /// <summary>
    /// Start-DhcpLease: dhcpagent's START (obtain a lease and keep it) or, with Inform, its
    /// INFORM (options for an address configured by other means). The wait for the answer
    /// may time out; the transaction goes on and Get-DhcpLease shows how it ends.
    /// </summary>
    public sealed class StartDhcpLeaseOperation
    {
        readonly IIscsiDhcpService service;

        public StartDhcpLeaseOperation(IIscsiDhcpService service) => this.service = service;

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
        public IPAddress? RelayAddress { get; set; }
        public IPAddress? ServerAddress { get; set; }
        public bool Inform { get; set; }
        /// <summary>For Inform: the address configured by other means.</summary>
        public IPAddress? ClientAddress { get; set; }
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Client behaviour (offer window, retransmission); the defaults suit an interactive user.</summary>
        public DhcpClientOptions? ClientOptions { get; set; }

        /// <summary>The lease as the answer (or the end of the wait) left it, once RunAsync has run.</summary>
        public DhcpLeaseStatus? Result { get; private set; }

        /// <summary>
        /// Checks what the user gave and asks ShouldProcess: the request to run, or null when
        /// the user declined. -AsJob prepares on the pipeline thread and runs in the job.
        /// </summary>
        public DhcpStartRequest? Prepare(ICommandHost host)
        {
            var request = Request();
            if (Inform && ClientAddress is null) throw new ArgumentException("-Inform needs -ClientAddress: the address configured by other means");
            if (!Inform && ClientAddress is not null) throw new ArgumentException("-ClientAddress is for -Inform");
            var action = Inform ? $"Ask the DHCP server for the options of {ClientAddress} (INFORM)"
                : Configure ? "Obtain a DHCP lease and configure the interface with it" : "Obtain a DHCP lease";
            return host.ShouldProcess(InterfaceName, action) ? request : null;
        }

        /// <summary>Sends the prepared START or INFORM and waits (up to Timeout) for the answer.</summary>
        public Task<DhcpLeaseStatus> SendAsync(DhcpStartRequest request, System.Threading.CancellationToken cancel) =>
            Inform ? service.Dhcp.InformAsync(request, ClientAddress!, Timeout, cancel) : service.Dhcp.StartAsync(request, Timeout, cancel);

        public async Task RunAsync(ICommandHost host)
        {
            var request = Prepare(host);
            if (request is null) return;
            Result = await SendAsync(request, host.Cancellation).ConfigureAwait(false);
            host.WriteObject(Result);
        }

        /// <summary>The client identifier the lease will have, as DhcpLeaseStatus shows it (for a job that watches it from the start).</summary>
        public static string ClientIdOf(DhcpStartRequest request)
        {
            var id = request.Identity?.ClientId ?? DhcpClientIdentity.ClientIdFromHardwareAddress(LocalInterfaces.HardwareAddress(request.InterfaceName));
            return DhcpClientIdentity.FormatClientId(id);
        }

        DhcpStartRequest Request()
        {
            if (string.IsNullOrWhiteSpace(InterfaceName)) throw new ArgumentException("-InterfaceName is empty");
            if ((RelayAddress is null) != (ServerAddress is null)) throw new ArgumentException("relay mode needs both -RelayAddress and -ServerAddress");
            DhcpClientIdentity? identity = null;
            if (MacAddress is not null || ClientId is not null || HostName is not null || VendorClass is not null || ParameterRequestList is not null || RelayAddress is not null)
            {
                byte[] mac;
                if (MacAddress is not null) mac = DhcpClientIdentity.ParseMac(MacAddress);
                else if (RelayAddress is not null) throw new ArgumentException("relay mode needs -MacAddress: the virtual client's hardware address");
                else mac = LocalInterfaces.HardwareAddress(InterfaceName);
                identity = new DhcpClientIdentity(mac) { HostName = HostName, VendorClass = VendorClass };
                if (ClientId is not null) identity = identity with { ClientId = DhcpClientIdentity.ParseClientId(ClientId) };
                if (ParameterRequestList is { Length: > 0 } list) identity = identity with { ParameterRequestList = list.ToArray() };
            }
            var options = ClientOptions ?? new DhcpClientOptions();
            if (RequestedAddress is not null) options = options with { RequestedAddress = RequestedAddress };
            return new DhcpStartRequest(InterfaceName)
            {
                Identity = identity,
                ClientOptions = options,
                Configure = Configure,
                RelayAddress = RelayAddress,
                ServerAddress = ServerAddress,
            };
        }
    }
}
