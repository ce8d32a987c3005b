using System.Diagnostics;
using System.Net;
using System.Text.Json;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Bench;

/// <summary>
/// dhcp-memory: N bound leases, each with its state machine, its ACKs and a live timer on
/// the shared TimeProvider queue; reports managed bytes per lease and how many threads
/// the process needed for them (the goal: a constant, not one per lease).
/// </summary>
public static class DhcpMemoryWorkload
{
    public static Task<int> RunAsync(BenchOptions options)
    {
        var count = options.Number("leases", 10_000);
        var now = DateTimeOffset.UtcNow;
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var supervised = new List<(DhcpClientMachine Machine, ITimer Timer)>(count);
        for (var i = 0; i < count; i++)
        {
            var mac = new byte[] { 0x02, 0xAB, (byte)(i >> 16), (byte)(i >> 8), (byte)i, 1 };
            var machine = new DhcpClientMachine(new DhcpClientIdentity(mac), new DhcpClientOptions { StartDelayMax = TimeSpan.Zero });
            machine.Start(now);
            machine.OnTimer(now);
            machine.OnReply(Reply(machine, mac, DhcpMessageType.Offer, i), now);
            machine.OnReply(Reply(machine, mac, DhcpMessageType.Ack, i), now);
            if (machine.State != DhcpClientState.Bound) throw new InvalidOperationException($"lease {i} did not bind");
            var timer = TimeProvider.System.CreateTimer(_ => { }, null, machine.NextTimer!.Value - now, Timeout.InfiniteTimeSpan);
            supervised.Add((machine, timer));
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var threadsAfter = Process.GetCurrentProcess().Threads.Count;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            scenario = "dhcp-memory",
            leases = count,
            bytesPerLease = Math.Round((double)(after - before) / count),
            threadsBefore,
            threadsAfter,
        }));
        foreach (var (_, timer) in supervised) timer.Dispose();
        GC.KeepAlive(supervised);
        return Task.FromResult(0);
    }

    static DhcpMessage Reply(DhcpClientMachine machine, byte[] mac, DhcpMessageType type, int index)
    {
        var reply = new DhcpMessage { Op = DhcpMessage.BootReply, TransactionId = machine.TransactionId, YourAddress = new IPAddress(new byte[] { 198, 18, (byte)(index >> 8), (byte)index }) };
        mac.CopyTo(reply.ClientHardwareAddress, 0);
        reply.Set(DhcpOptionCode.MessageType, [(byte)type]);
        reply.Set(DhcpOptionCode.ServerIdentifier, [198, 18, 0, 1]);
        reply.Set(DhcpOptionCode.LeaseTime, [0, 0, 0x0E, 0x10]);
        reply.Set(DhcpOptionCode.SubnetMask, [255, 255, 0, 0]);
        reply.Set(DhcpOptionCode.Router, [198, 18, 0, 1]);
        reply.Set(DhcpOptionCode.DomainNameServer, [198, 18, 0, 1]);
        return reply;
    }
}
