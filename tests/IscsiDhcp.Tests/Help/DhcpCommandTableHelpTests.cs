using IscsiDhcp.Tests.ImportChecks;

namespace IscsiDhcp.Tests.Help;

/// <summary>The state x command table the DHCP cmdlets' help shows is the agent's own.</summary>
public sealed class DhcpCommandTableHelpTests
{
    [Theory]
    [InlineData("Start-DhcpLease")]
    [InlineData("Get-DhcpLease")]
    [InlineData("Update-DhcpLease")]
    [InlineData("Stop-DhcpLease")]
    [InlineData("Test-DhcpLease")]
    [InlineData("Get-DhcpOption")]
    public void The_documented_table_is_the_agents(string cmdlet)
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.DocsFolder, cmdlet + ".md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| State |", StringComparison.Ordinal));
        Assert.True(header >= 0, $"{cmdlet}: no state x command table");
        var commands = Cells(lines[header]).Skip(1).Select(Enum.Parse<IscsiDhcp.Dhcp.Agent.DhcpCommand>).ToList();
        var rows = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.Equal(Enum.GetValues<IscsiDhcp.Dhcp.Client.DhcpClientState>().Length, rows.Count);
        foreach (var row in rows)
        {
            var cells = Cells(row);
            var state = Enum.Parse<IscsiDhcp.Dhcp.Client.DhcpClientState>(cells[0]);
            for (var i = 0; i < commands.Count; i++)
                Assert.True((cells[i + 1] == "yes") == IscsiDhcp.Dhcp.Agent.DhcpCommandTable.IsAllowed(state, commands[i]), $"{cmdlet}: {state} x {commands[i]}");
        }
    }

    static string[] Cells(string row) => row.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}
