using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// Puts a lease's address and routes on an interface and takes them off again; it never
    /// changes or removes what the lease did not add.
    /// </summary>
    public interface IInterfaceConfigurator
    {
        /// <summary>Configures <paramref name="lease"/>; <paramref name="previous"/> is the lease applied before it (a renewal), whose leftovers go.</summary>
        void Apply(string interfaceName, DhcpLease lease, DhcpLease? previous);
        void Remove(string interfaceName, DhcpLease lease);
    }
}
