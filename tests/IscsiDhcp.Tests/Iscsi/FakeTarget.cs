using System.Net;
using System.Net.Sockets;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>
/// A scripted iSCSI target on loopback for tests of what a hostile or broken peer
/// does to the initiator. It answers the login (no authentication) with the keys it is
/// given, then runs a script against the connection.
/// </summary>
public sealed class FakeTarget : IAsyncDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly Task serving;

    public FakeTarget(Func<FakeTarget.Peer, Task> script, params (string Key, string Value)[] operationalKeys)
        : this((peer, _) => script(peer), 1, operationalKeys)
    {
    }

    /// <summary>A target for <paramref name="connections"/> connections in turn, each logged in and then given to the script with its number.</summary>
    public FakeTarget(Func<FakeTarget.Peer, int, Task> script, int connections, params (string Key, string Value)[] operationalKeys)
        : this(script, connections, DefaultWindow, operationalKeys)
    {
    }

    /// <summary>A target whose login response gives a command window of <paramref name="window"/> CmdSNs (0: closed until a later PDU opens it).</summary>
    public FakeTarget(Func<FakeTarget.Peer, Task> script, uint window, params (string Key, string Value)[] operationalKeys)
        : this((peer, _) => script(peer), 1, window, operationalKeys)
    {
    }

    const uint DefaultWindow = 17;

    FakeTarget(Func<FakeTarget.Peer, int, Task> script, int connections, uint window, (string Key, string Value)[] operationalKeys)
    {
        listener.Start();
        serving = Task.Run(async () =>
        {
            for (var i = 0; i < connections; i++)
            {
                using var client = await listener.AcceptTcpClientAsync();
                var peer = new Peer(client.GetStream());
                await peer.AnswerLoginAsync(operationalKeys, window);
                await script(peer, i);
            }
        });
    }

    public TargetAddress Portal => new("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port);

    /// <summary>The script's own failure, if any (a test that expects the initiator to hang up may ignore it).</summary>
    public Task Serving => serving;

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        try { await serving.WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception) { }   // the script is expected to see the initiator hang up
    }

    public sealed class Peer(NetworkStream stream)
    {
        public NetworkStream Stream { get; } = stream;
        public uint StatSN { get; set; } = 1;

        /// <summary>Reads one PDU the initiator sent: its header and data segment (digests off).</summary>
        public async Task<(byte[] Header, byte[] Data)> ReadAsync()
        {
            var header = new byte[Bhs.Length];
            await Stream.ReadExactlyAsync(header);
            var data = new byte[Bhs.DataSegmentLength(header)];
            await Stream.ReadExactlyAsync(data);
            var padding = Bhs.Padding(data.Length);
            if (padding > 0) await Stream.ReadExactlyAsync(new byte[padding]);
            return (header, data);
        }

        /// <summary>Waits until the initiator hangs up (or five seconds pass).</summary>
        public async Task WaitForCloseAsync()
        {
            var buffer = new byte[4096];
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                while (await Stream.ReadAsync(buffer, limit.Token) > 0) { }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException) { }
        }

        public async Task WriteAsync(byte[] header, byte[]? data = null)
        {
            await Stream.WriteAsync(header);
            if (data is { Length: > 0 })
            {
                await Stream.WriteAsync(data);
                await Stream.WriteAsync(new byte[Bhs.Padding(data.Length)]);
            }
        }

        internal async Task AnswerLoginAsync((string Key, string Value)[] operationalKeys, uint window)
        {
            // Security stage: accept AuthMethod=None and move on.
            var (request, _) = await ReadAsync();
            var login = LoginRequestHeader.Read(request);
            await RespondAsync(login, LoginStage.SecurityNegotiation, LoginStage.OperationalNegotiation, TextCodec.Encode([new TextKeyValue("AuthMethod", "None")]), window);
            (request, _) = await ReadAsync();
            login = LoginRequestHeader.Read(request);
            var keys = operationalKeys.Select(k => new TextKeyValue(k.Key, k.Value)).ToList();
            await RespondAsync(login, LoginStage.OperationalNegotiation, LoginStage.FullFeaturePhase, TextCodec.Encode(keys), window);
        }

        async Task RespondAsync(LoginRequestHeader login, LoginStage current, LoginStage next, byte[] data, uint window)
        {
            var header = new byte[Bhs.Length];
            new LoginResponseHeader
            {
                Transit = true,
                CurrentStage = current,
                NextStage = next,
                Isid = login.Isid,
                Tsih = 1,
                InitiatorTaskTag = login.InitiatorTaskTag,
                StatSN = StatSN++,
                ExpCmdSN = login.CmdSN,
                MaxCmdSN = login.CmdSN + window - 1,
                DataSegmentLength = data.Length,
            }.Write(header);
            await WriteAsync(header, data);
        }

        /// <summary>A NOP-In carrying the window, as a target's first PDU might be.</summary>
        public byte[] NopIn(uint ttt = Bhs.ReservedTag, int dataLength = 0)
        {
            var header = new byte[Bhs.Length];
            new NopInHeader { InitiatorTaskTag = Bhs.ReservedTag, TargetTransferTag = ttt, StatSN = StatSN, ExpCmdSN = 0, MaxCmdSN = 16, DataSegmentLength = dataLength }.Write(header);
            return header;
        }
    }
}
