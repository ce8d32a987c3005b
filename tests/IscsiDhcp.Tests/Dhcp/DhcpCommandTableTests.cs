using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Tests.Dhcp;

/// <summary>
/// The permission table, cell by cell, against dhcpagent's ipc_cmd_allowed as the seed prints
/// it (columns DROP EXTEND PING RELEASE START STATUS INFORM GET_TAG), plus the states that
/// the seed does not have: Stopped (a fresh interface), Probing, Declining and Releasing.
/// </summary>
public sealed class DhcpCommandTableTests
{
    static readonly Dictionary<DhcpClientState, string> Seed = new()
    {
        [DhcpClientState.Init] = "1 0 1 0 1 1 1 0",
        [DhcpClientState.Selecting] = "1 0 1 0 1 1 0 0",
        [DhcpClientState.Requesting] = "1 0 1 0 1 1 0 0",
        [DhcpClientState.Bound] = "1 1 1 1 0 1 0 1",
        [DhcpClientState.Renewing] = "1 1 1 1 0 1 0 1",
        [DhcpClientState.Rebinding] = "1 1 1 1 0 1 0 1",
        [DhcpClientState.Information] = "1 0 1 0 0 1 1 1",
        [DhcpClientState.InitReboot] = "1 0 1 0 1 1 0 0",
        [DhcpClientState.Informing] = "1 0 1 0 0 1 1 0",   // the seed's INFORM_SENT
        [DhcpClientState.Stopped] = "1 0 1 0 1 1 1 0",     // fresh: like INIT
        [DhcpClientState.Probing] = "1 0 1 0 1 1 0 0",     // still obtaining (RFC 5227's probe): like REQUESTING
        [DhcpClientState.Declining] = "1 0 1 0 1 1 0 0",   // obtaining again: like SELECTING
        [DhcpClientState.Releasing] = "1 0 1 0 0 1 0 0",   // going away: only the always-allowed
    };

    static readonly DhcpCommand[] Columns =
        [DhcpCommand.Drop, DhcpCommand.Extend, DhcpCommand.Ping, DhcpCommand.Release, DhcpCommand.Start, DhcpCommand.Status, DhcpCommand.Inform, DhcpCommand.GetOption];

    public static TheoryData<DhcpClientState, DhcpCommand, bool> Cells()
    {
        var data = new TheoryData<DhcpClientState, DhcpCommand, bool>();
        foreach (var (state, row) in Seed)
        {
            var bits = row.Split(' ');
            for (var i = 0; i < Columns.Length; i++) data.Add(state, Columns[i], bits[i] == "1");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Each_cell_matches_the_seed(DhcpClientState state, DhcpCommand command, bool allowed)
    {
        Assert.Equal(allowed, DhcpCommandTable.IsAllowed(state, command));
    }

    [Fact]
    public void Every_state_has_a_row()
    {
        Assert.Equal(Enum.GetValues<DhcpClientState>().Order(), Seed.Keys.Order());
    }

    [Fact]
    public void Ping_status_and_drop_are_allowed_in_every_state()
    {
        foreach (var state in Enum.GetValues<DhcpClientState>())
        {
            Assert.True(DhcpCommandTable.IsAllowed(state, DhcpCommand.Ping));
            Assert.True(DhcpCommandTable.IsAllowed(state, DhcpCommand.Status));
            Assert.True(DhcpCommandTable.IsAllowed(state, DhcpCommand.Drop));
        }
    }
}
