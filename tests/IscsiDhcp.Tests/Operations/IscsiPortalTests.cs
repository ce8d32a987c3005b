using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Tests.Operations;

/// <summary>Portals as a user types them (iscsiadm's forms), with the port written or from -TargetPortalPortNumber.</summary>
public sealed class IscsiPortalTests
{
    [Theory]
    [InlineData("192.0.2.7", 3260, "192.0.2.7", 3260)]
    [InlineData("192.0.2.7:3261", 3260, "192.0.2.7", 3261)]
    [InlineData("target.example", 3262, "target.example", 3262)]
    [InlineData("::1", 3263, "::1", 3263)]
    [InlineData("[::1]", 3264, "::1", 3264)]
    [InlineData("[::1]:35333", 3260, "::1", 35333)]
    [InlineData("[2001:db8::5]:3265", 3265, "2001:db8::5", 3265)]
    public void A_portal_gives_its_host_and_port(string typed, int portParameter, string host, int port)
    {
        var portal = IscsiPortal.From(typed, portParameter);
        Assert.Equal((host, port), (portal.Host, portal.Port));
    }
}
