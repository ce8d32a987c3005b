using System.Diagnostics;
using System.Text.Json;
using IscsiDhcp.Agent;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Bench;

/// <summary>
/// agent-rpc: what going through the agent costs. Against a running agent (--socket) that holds a
/// session, and a session of this process's own to the same target (--portal, --target), in
/// alternating rounds: the Status round trip (Get-IscsiDhcpAgent), the session list through the
/// agent (Get-IscsiSession) and the same list in-process, one caller at a time (latency: median and
/// p99 of every call), then Status from --clients callers at once (commands per second). One JSON
/// line with the medians over rounds.
/// </summary>
public static class AgentRpcWorkload
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var socket = options.Text("socket");
        var portal = TargetAddress.Parse(options.Text("portal"));
        var target = options.Text("target");
        var rounds = options.Number("rounds", 5);
        var calls = options.Number("calls", 2000);
        var clients = options.Number("clients", 8);

        using var agent = await AgentClient.ConnectAsync(socket, TimeSpan.FromSeconds(5));
        if ((await agent.GetSessionsAsync(CancellationToken.None)).Count == 0)
            throw new ArgumentException($"the agent on {socket} holds no session: connect one through it first");
        var local = new InProcessService();
        var settings = new LoginSettings { TargetName = target, InitiatorName = "iqn.2026-11.org.iscsidhcp:bench-agent-rpc" };
        var started = await local.StartSessionAsync(new IscsiSessionRequest(portal, settings), CancellationToken.None);
        await local.WaitForLoginAsync(started.SessionIdentifier, CancellationToken.None);
        var parallel = new List<AgentClient>();
        for (var i = 0; i < clients; i++) parallel.Add(await AgentClient.ConnectAsync(socket, TimeSpan.FromSeconds(5)));
        try
        {
            var status = new List<double>(); var statusP99 = new List<double>();
            var list = new List<double>(); var listP99 = new List<double>();
            var inProcess = new List<double>(); var inProcessP99 = new List<double>();
            var throughput = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                Record(await LatenciesAsync(calls, () => agent.GetStatusAsync()), status, statusP99);
                Record(await LatenciesAsync(calls, () => agent.GetSessionsAsync(CancellationToken.None)), list, listP99);
                Record(await LatenciesAsync(calls, () => local.GetSessionsAsync(CancellationToken.None)), inProcess, inProcessP99);
                throughput.Add(await CommandsPerSecondAsync(parallel, calls));
                Console.Error.WriteLine($"agent-rpc: round {r + 1}: status {status[^1]:0.000} ms, list {list[^1]:0.000} ms, in-process list {inProcess[^1]:0.000} ms, {throughput[^1]:0} status/s from {clients} clients");
            }
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                scenario = "agent-rpc",
                rounds,
                callsPerRound = calls,
                statusRoundTripMsMedian = Math.Round(Median(status), 3),
                statusRoundTripMsP99 = Math.Round(Median(statusP99), 3),
                sessionListViaAgentMsMedian = Math.Round(Median(list), 3),
                sessionListInProcessMsMedian = Math.Round(Median(inProcess), 4),
                agentAddsMs = Math.Round(Median(list) - Median(inProcess), 3),
                statusPerSecondSequential = Math.Round(1000 / Median(status)),
                clients,
                statusPerSecondParallel = Math.Round(Median(throughput)),
            }));
            return 0;
        }
        finally
        {
            foreach (var c in parallel) c.Dispose();
            await local.ShutdownAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Each call's time in milliseconds, after a warm-up of a tenth as many.</summary>
    static async Task<double[]> LatenciesAsync<T>(int calls, Func<Task<T>> call)
    {
        for (var i = 0; i < calls / 10; i++) await call();
        var times = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return times;
    }

    static async Task<double> CommandsPerSecondAsync(List<AgentClient> clients, int callsEach)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async c =>
        {
            for (var i = 0; i < callsEach; i++) await c.GetStatusAsync();
        }));
        return clients.Count * callsEach / clock.Elapsed.TotalSeconds;
    }

    static void Record(double[] times, List<double> medians, List<double> p99s)
    {
        Array.Sort(times);
        medians.Add(Median(times));
        p99s.Add(times[(int)Math.Ceiling(times.Length * 0.99) - 1]);
    }

    static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
