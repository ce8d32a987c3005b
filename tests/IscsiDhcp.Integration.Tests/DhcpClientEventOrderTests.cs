using System.Net;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Integration.Tests;

/// <summary>
/// A client's events reach subscribers in the order its state machine made them, whichever
/// threads (timer, socket, caller) fed the inputs: a scripted server (loopback, relay mode)
/// grants a lease whose T1 and T2 coincide, so one timer input makes Renewing and Rebinding.
/// </summary>
public sealed class DhcpClientEventOrderTests
{
    static readonly IPAddress Relay = IPAddress.Parse("127.0.0.6");
    static readonly IPAddress ServerAddress = IPAddress.Parse("127.0.0.7");

    /// <summary>
    /// Grants the first lease, 16 s with T1 14 s and no T2, so T2 becomes max(7/8 of the lease, T1) = T1 and
    /// expiry is 2 s later; renewals and rebinds get answers for another transaction, which the client ignores.
    /// </summary>
    static Func<DhcpMessage, DhcpMessage> Answers()
    {
        var acks = 0;
        return request =>
        {
            var reply = ScriptedDhcpServer.Grant(request, IPAddress.Parse("198.18.202.9"), ServerAddress, 16).Set(DhcpOptionCode.RenewalTime, [0, 0, 0, 14]);
            if (reply.MessageType == DhcpMessageType.Ack && Interlocked.Increment(ref acks) > 1) reply.TransactionId = ~request.TransactionId;
            return reply;
        };
    }

    [Fact]
    public async Task A_command_racing_a_timer_input_is_seen_after_the_timer_inputs_events()
    {
        await using var server = new ScriptedDhcpServer(ServerAddress, Answers());
        using var socket = DhcpSocket.OpenRelay(Relay, ServerAddress);
        using var client = new DhcpClient(socket, new DhcpClientIdentity([0x02, 0xF1, 0, 0, 0, 1]), new DhcpClientOptions { StartDelayMax = TimeSpan.Zero });
        var seen = new List<DhcpLeaseEventKind>();
        using var renewing = new ManualResetEventSlim();
        using var goOn = new ManualResetEventSlim();
        client.LeaseEvent += (_, e) =>
        {
            lock (seen) seen.Add(e.Kind);
            if (e.Kind != DhcpLeaseEventKind.Renewing) return;
            renewing.Set();
            goOn.Wait(TimeSpan.FromSeconds(10));   // the subscriber is slow over the first of the timer's two events
        };
        var lease = await client.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(lease.RenewAt, lease.RebindAt);

        Assert.True(renewing.Wait(TimeSpan.FromSeconds(25)), "T1 did not come");
        // A caller's command while the timer's events are being raised (a thread of its own: the pool may be busy).
        var drop = new Thread(() => client.Drop());
        drop.Start();
        await Task.Delay(300);
        goOn.Set();
        Assert.True(drop.Join(TimeSpan.FromSeconds(10)), "DROP did not return");
        lock (seen) Assert.Equal([DhcpLeaseEventKind.Bound, DhcpLeaseEventKind.Renewing, DhcpLeaseEventKind.Rebinding, DhcpLeaseEventKind.Dropped], seen);
    }
}
