namespace IscsiDhcp.Lab;

/// <summary>Questions about the machine's network namespaces, links and ports.</summary>
public static class Network
{
    public static bool NetnsExists(string name) =>
        CommandRunner.Run("ip", "netns", "list").StandardOutput
            .Split('\n').Any(l => l.Split(' ')[0] == name);

    public static bool LinkExists(string name) =>
        CommandRunner.Run("ip", "link", "show", "dev", name).Succeeded;

    /// <summary>A TCP port on a loopback address (127.0.0.1 by default) that nothing listens on at the moment of asking.</summary>
    public static int FreeLoopbackPort(System.Net.IPAddress? address = null)
    {
        var listener = new System.Net.Sockets.TcpListener(address ?? System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try { return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }

    /// <summary>Whether something accepts TCP connections on address:port.</summary>
    public static bool IsListening(System.Net.IPAddress address, int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            return client.ConnectAsync(address, port).Wait(TimeSpan.FromSeconds(1)) && client.Connected;
        }
        catch (AggregateException) { return false; }
    }

    /// <summary>The IPv4 /24 prefixes ("198.18.7") in use on links of the root namespace.</summary>
    public static ISet<string> RootNamespacePrefixes() =>
        CommandRunner.Run("ip", "-4", "-o", "addr", "show").StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => Array.IndexOf(f, "inet") is var i and >= 0 ? f[i + 1] : null)
            .OfType<string>()
            .Select(cidr => cidr[..cidr.LastIndexOf('.')])
            .ToHashSet();
}
