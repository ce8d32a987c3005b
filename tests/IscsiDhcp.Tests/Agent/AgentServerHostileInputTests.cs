using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using IscsiDhcp.Agent;
using IscsiDhcp.Tests.Operations;

namespace IscsiDhcp.Tests.Agent;

/// <summary>
/// A live agent on a socket of its own, fed what a hostile or broken local client sends:
/// each message is rejected and counted, the agent stays up and keeps serving others.
/// </summary>
public sealed class AgentServerHostileInputTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("agent-hostile-").FullName;
    readonly IscsiDhcpAgent agent;

    public AgentServerHostileInputTests()
    {
        agent = new IscsiDhcpAgent(new AgentOptions { SocketPath = Path.Combine(folder, "agent.sock"), StateDirectory = Path.Combine(folder, "state") });
        agent.Start();
    }

    public void Dispose()
    {
        agent.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    Socket Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(agent.Options.SocketPath));
        return socket;
    }

    static void SendFrame(Socket socket, byte[] body, int? announced = null)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)(announced ?? body.Length));
        socket.Send(header);
        if (body.Length > 0) socket.Send(body);
    }

    static string ReadFrame(Socket socket)
    {
        var header = ReadExactly(socket, 4);
        return Encoding.UTF8.GetString(ReadExactly(socket, (int)BinaryPrimitives.ReadUInt32BigEndian(header)));
    }

    static byte[] ReadExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        socket.ReceiveTimeout = 10_000;
        while (read < count)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0) throw new EndOfStreamException("the agent closed the connection");
            read += n;
        }
        return buffer;
    }

    async Task<int> PingAsync()
    {
        using var client = await AgentClient.ConnectAsync(agent.Options.SocketPath, TimeSpan.FromSeconds(5));
        return await client.PingAsync();
    }

    [Fact]
    public async Task Bad_JSON_and_unknown_commands_get_a_fault_each_and_the_connection_goes_on()
    {
        using var socket = Connect();
        SendFrame(socket, Encoding.UTF8.GetBytes("{not json"));
        Assert.Contains("\"errorId\":\"IscsiDhcpAgentProtocolError\"", ReadFrame(socket));
        SendFrame(socket, Encoding.UTF8.GetBytes("{\"id\":5,\"command\":\"Session.Explode\",\"args\":{}}"));
        var reply = ReadFrame(socket);
        Assert.Contains("\"id\":5", reply);
        Assert.Contains("unknown command", reply);
        SendFrame(socket, Encoding.UTF8.GetBytes("{\"id\":6,\"command\":\"Lease.Status\",\"args\":{\"lease\":{\"interface\":\"x\",\"clientId\":\"zz\"}}}"));
        Assert.Contains("a bad lease key", ReadFrame(socket));
        SendFrame(socket, Encoding.UTF8.GetBytes("{\"id\":7,\"command\":\"Agent.Ping\",\"args\":{}}"));
        Assert.Contains($"\"result\":{agent.ProcessId}", ReadFrame(socket));
        Assert.Equal(2, agent.Counters.Malformed);
        Assert.Equal(1, agent.Counters.UnknownCommands);
        Assert.Equal(await PingAsync(), agent.ProcessId);
    }

    [Fact]
    public async Task Session_Inspect_runs_only_commands_that_describe_a_LUN_and_counts_the_rest()
    {
        using var socket = Connect();
        // READ(10), WRITE(10) and a too-long CDB are refused before any session is looked for; each is counted.
        foreach (var (id, cdb) in new[] { (11, "KAAAAAAAAAABAA=="), (12, "KgAAAAAAAAABAA=="), (13, Convert.ToBase64String(new byte[17])) })
        {
            SendFrame(socket, Encoding.UTF8.GetBytes($"{{\"id\":{id},\"command\":\"Session.Inspect\",\"args\":{{\"session\":\"none\",\"lun\":1,\"cdb\":\"{cdb}\",\"length\":512}}}}"));
            var reply = ReadFrame(socket);
            Assert.Contains($"\"id\":{id}", reply);
            Assert.Contains("only describes a LUN", reply);
        }
        // An INQUIRY asking for more than the limit is refused too; one of a session that does not exist is not found.
        SendFrame(socket, Encoding.UTF8.GetBytes("{\"id\":14,\"command\":\"Session.Inspect\",\"args\":{\"session\":\"none\",\"lun\":1,\"cdb\":\"EgAAAP8A\",\"length\":1000000}}"));
        var tooLong = ReadFrame(socket);
        Assert.Contains("\\u0027length\\u0027 must be 0 to 65536", tooLong);
        SendFrame(socket, Encoding.UTF8.GetBytes("{\"id\":15,\"command\":\"Session.Inspect\",\"args\":{\"session\":\"none\",\"lun\":1,\"cdb\":\"EgAAAP8A\",\"length\":255}}"));
        Assert.Contains("IscsiSessionNotFound", ReadFrame(socket));
        Assert.Equal(4, agent.Counters.Malformed);
        Assert.Equal(await PingAsync(), agent.ProcessId);
    }

    [Fact]
    public async Task An_oversize_length_closes_only_that_connection_without_reading_or_allocating_it()
    {
        using var other = await AgentClient.ConnectAsync(agent.Options.SocketPath, TimeSpan.FromSeconds(5));
        using var socket = Connect();
        SendFrame(socket, Array.Empty<byte>(), announced: int.MaxValue);
        Assert.Throws<EndOfStreamException>(() => ReadExactly(socket, 4));
        await Eventually.WaitFor(() => agent.Counters.Malformed == 1, "the oversize frame is counted");
        Assert.Equal(agent.ProcessId, await other.PingAsync());
    }

    [Fact]
    public async Task A_client_that_sends_half_a_message_is_cut_off_and_others_are_served_meanwhile()
    {
        using var socket = Connect();
        SendFrame(socket, Encoding.UTF8.GetBytes("{\"id\":1"), announced: 100);   // 93 bytes never come
        Assert.Equal(agent.ProcessId, await PingAsync());
        await Eventually.WaitFor(() => agent.Counters.SlowClients == 1, "the trickling client is cut off");
    }

    [Fact]
    public async Task Random_frames_never_crash_the_agent_nor_grow_its_memory()
    {
        var random = new Random(1234);
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var round = 0; round < 50; round++)
        {
            using var socket = Connect();
            for (var i = 0; i < 20; i++)
            {
                var body = new byte[random.Next(1, 300)];
                random.NextBytes(body);
                if (i % 3 == 0) body = Encoding.UTF8.GetBytes("{\"id\":" + i + ",\"command\":\"" + (char)random.Next(65, 90) + "\",\"args\":" + (i % 2 == 0 ? "{}" : "[]") + "}");
                try { SendFrame(socket, body, announced: i % 7 == 6 ? random.Next() : null); }
                catch (SocketException) { break; }   // the agent closed this one
            }
        }
        Assert.Equal(agent.ProcessId, await PingAsync());
        await Eventually.WaitFor(() => agent.GetStatus().ConnectedClients == 0, "every fuzzing connection is closed");
        GC.Collect();
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) - before < 16 << 20, "memory stays bounded");
        Assert.True(agent.Counters.Malformed + agent.Counters.UnknownCommands > 100);
    }
}
