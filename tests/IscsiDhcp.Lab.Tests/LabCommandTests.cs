namespace IscsiDhcp.Lab.Tests;

/// <summary>The lab command refuses bad options with a message that names them, before touching anything.</summary>
public sealed class LabCommandTests
{
    static CommandResult Lab(params string[] args) =>
        CommandRunner.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "IscsiDhcp.Lab.dll"), .. args], TimeSpan.FromMinutes(1));

    [Theory]
    [InlineData("--luns", "0", "--luns takes a positive whole number")]
    [InlineData("--lun-size", "12X", "--lun-size takes bytes or a size like 64M")]
    [InlineData("--chap", "nosecret", "--chap takes USER:SECRET")]
    [InlineData("--dhcp", "isc", "--dhcp takes dnsmasq, kea or none")]
    [InlineData("--lease-time", "30", "dnsmasq hands out leases of at least 120 s")]
    [InlineData("--owner", "abc", "--owner takes a process id")]
    public void Bad_options_are_refused_by_name(string option, string value, string message)
    {
        var result = Lab("up", "--dhcp", "dnsmasq", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StandardError);
    }

    [Fact]
    public void An_unknown_command_prints_the_usage()
    {
        var result = Lab("upp");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage: lab.sh COMMAND", result.StandardError);
    }
}
