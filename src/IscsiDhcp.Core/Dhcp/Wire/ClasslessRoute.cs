using System.Net;

namespace IscsiDhcp.Dhcp.Wire
{
    /// <summary>A route of option 121/249 (RFC 3442): destination/prefix via router (0.0.0.0 = on-link).</summary>
    public sealed class ClasslessRoute
    {
        public ClasslessRoute(IPAddress destination, int prefixLength, IPAddress router)
        {
            Destination = destination;
            PrefixLength = prefixLength;
            Router = router;
        }

        public IPAddress Destination { get; }
        public int PrefixLength { get; }
        public IPAddress Router { get; }

        public override string ToString() => $"{Destination}/{PrefixLength} via {Router}";
    }
}
