using IscsiDhcp.Iscsi.Discovery;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Tests.Operations;

/// <summary>The record of discovered targets that completion offers to Connect-IscsiTarget.</summary>
public sealed class DiscoveredTargetsTests
{
    static IscsiTarget Target(string name, string host, int port = 3260) => new(name, [new TargetAddress(host, port, 1)]);

    [Fact]
    public void Newest_first_and_a_target_found_again_at_its_portal_moves_up_instead_of_doubling()
    {
        var record = new DiscoveredTargets();
        record.Record([Target("iqn.2026-11.example:a", "192.0.2.1"), Target("iqn.2026-11.example:b", "192.0.2.1")]);
        record.Record([Target("IQN.2026-11.EXAMPLE:A", "192.0.2.1")]);
        Assert.Equal(["IQN.2026-11.EXAMPLE:A", "iqn.2026-11.example:b"], record.All.Select(t => t.NodeAddress));
    }

    [Fact]
    public void The_same_target_at_another_portal_is_another_entry()
    {
        var record = new DiscoveredTargets();
        record.Record([Target("iqn.2026-11.example:a", "192.0.2.1"), Target("iqn.2026-11.example:a", "192.0.2.2"), Target("iqn.2026-11.example:a", "192.0.2.1", 3261)]);
        Assert.Equal(3, record.All.Count);
    }

    [Fact]
    public void The_record_is_bounded_and_keeps_the_newest()
    {
        var record = new DiscoveredTargets();
        record.Record(Enumerable.Range(0, DiscoveredTargets.Capacity + 10).Select(i => Target($"iqn.2026-11.example:t{i}", "192.0.2.1")));
        Assert.Equal(DiscoveredTargets.Capacity, record.All.Count);
        Assert.Equal($"iqn.2026-11.example:t{DiscoveredTargets.Capacity + 9}", record.All[0].NodeAddress);
        Assert.DoesNotContain(record.All, t => t.NodeAddress == "iqn.2026-11.example:t0");
        record.Clear();
        Assert.Empty(record.All);
    }

    [Fact]
    public void Writers_and_readers_on_many_threads_leave_it_consistent()
    {
        var record = new DiscoveredTargets();
        Parallel.For(0, 64, i =>
        {
            record.Record([Target($"iqn.2026-11.example:t{i % 8}", "192.0.2.1")]);
            _ = record.All.Count;
        });
        Assert.Equal(8, record.All.Count);
    }
}
