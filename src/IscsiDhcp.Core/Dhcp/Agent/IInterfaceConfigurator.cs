using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>Puts a lease's address and routes on an interface and takes them off again.</summary>
    public interface IInterfaceConfigurator
    {
        void Apply(string interfaceName, DhcpLease lease);
        void Remove(string interfaceName, DhcpLease lease);
    }
}
