using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using IscsiDhcp.Dhcp.Transport;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Bench;

/// <summary>
/// dhcp-dora: N virtual clients, relayed (giaddr) like perfdhcp, each running DISCOVER,
/// OFFER, REQUEST, ACK back to back for the given time. Reports exchanges per second,
/// p50/p99 DORA latency, and drops (an answer missing for a second).
/// </summary>
public static class DhcpDoraWorkload
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var relay = IPAddress.Parse(options.Text("relay"));
        var server = IPAddress.Parse(options.Text("server"));
        var clientCount = options.Number("clients", 40);
        var seconds = options.Number("seconds", 10);
        using var socket = DhcpSocket.OpenRelay(relay, server);

        var latencies = new ConcurrentBag<long>();
        var exchanges = 0L;
        var drops = 0L;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var clock = Stopwatch.StartNew();

        async Task Client(int index)
        {
            var identity = new DhcpClientIdentity([0x02, 0xBE, 0, 0, (byte)(index >> 8), (byte)index]) { ParameterRequestList = [1, 3, 6, 51] };
            var replies = Channel.CreateUnbounded<DhcpMessage>();
            using var registration = socket.Register(identity.HardwareAddress, m => replies.Writer.TryWrite(m));
            var xid = (uint)index << 20;
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var offer = await ExchangeAsync(socket, replies, DhcpMessages.Discover(++xid, identity), DhcpMessageType.Offer);
                var ack = offer is null ? null : await ExchangeAsync(socket, replies, DhcpMessages.RequestFromOffer(offer, identity), DhcpMessageType.Ack);
                if (ack is null)
                {
                    if (!stop.IsCancellationRequested) Interlocked.Increment(ref drops);
                    continue;
                }
                Interlocked.Increment(ref exchanges);
                latencies.Add(Stopwatch.GetTimestamp() - started);
            }
        }

        await Task.WhenAll(Enumerable.Range(1, clientCount).Select(i => Task.Run(() => Client(i))));
        var elapsed = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))] * 1e3 / Stopwatch.Frequency;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            scenario = "dhcp-dora",
            clients = clientCount,
            seconds = Math.Round(elapsed, 2),
            exchanges,
            exchangesPerSec = Math.Round(exchanges / elapsed),
            p50Ms = Math.Round(Percentile(0.50), 3),
            p99Ms = Math.Round(Percentile(0.99), 3),
            drops,
            malformed = socket.Counters.Malformed,
        }));
        return 0;
    }

    static async Task<DhcpMessage?> ExchangeAsync(DhcpSocket socket, Channel<DhcpMessage> replies, DhcpMessage request, DhcpMessageType expected)
    {
        await socket.SendAsync(request, IPAddress.Broadcast);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            while (true)
            {
                var reply = await replies.Reader.ReadAsync(wait.Token);
                if (reply.TransactionId == request.TransactionId && reply.MessageType == expected) return reply;
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
