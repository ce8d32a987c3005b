using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>
/// A scripted target that is as strict as the pickier implementations: every receive must
/// hold whole PDUs (a PDU split over two sends is an error), every CmdSN must be the one it
/// expects (immediate PDUs carry the current one), header and data digests are checked, and
/// writes follow InitialR2T=Yes / ImmediateData=No with R2T-solicited Data-Out checked for
/// tag, DataSN, offset, length and the final bit. A violation is recorded and the connection
/// dropped, as such a target would. It serves a memory-backed LUN 0 (READ/WRITE 10, READ
/// CAPACITY 10; anything else gets GOOD status), answers pings, text and logout, sends NOP-Ins
/// of its own, and can demand CHAP (and pick an algorithm as tgtd does).
/// </summary>
public sealed class StrictTarget : IAsyncDisposable
{
    public const string Name = "iqn.2026-11.org.example:strict";
    public const int BlockSize = 512;

    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly Task accepting;
    readonly List<Task> connections = [];
    readonly List<string> violations = [];
    readonly List<Socket> sockets = [];
    readonly CancellationTokenSource stop = new();
    int accepted;
    int loggedIn;

    public StrictTarget(StrictTargetOptions? options = null)
    {
        Options = options ?? new StrictTargetOptions();
        Disk = new byte[Options.Blocks * BlockSize];
        listener.Start();
        accepting = Task.Run(AcceptAsync);
    }

    public StrictTargetOptions Options { get; }
    public byte[] Disk { get; }
    public TargetAddress Portal => new("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port);
    /// <summary>TCP connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref accepted);
    /// <summary>Logins that reached full feature phase.</summary>
    public int Logins => Volatile.Read(ref loggedIn);

    public IReadOnlyList<string> Violations
    {
        get { lock (violations) return violations.ToArray(); }
    }

    /// <summary>Drops every open connection (as a target restart or `tgtadm --op delete --mode conn` would).</summary>
    public void DropAll()
    {
        lock (sockets) foreach (var s in sockets) s.Dispose();
    }

    async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await listener.AcceptSocketAsync(stop.Token); }
            catch (Exception) { return; }
            socket.NoDelay = true;
            Interlocked.Increment(ref accepted);
            lock (sockets) sockets.Add(socket);
            var connection = new Connection(this, socket);
            lock (connections) connections.Add(Task.Run(connection.RunAsync));
        }
    }

    void Violation(string what)
    {
        lock (violations) violations.Add(what);
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        DropAll();
        Task[] all;
        lock (connections) all = [.. connections, accepting];
        try { await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception) { }
    }

    sealed class WriteTask
    {
        public uint Tag;
        public uint Lba;
        public int Length;
        public byte[] Data = [];
        public int Received;
        public int BurstEnd;
        public uint TransferTag;
        public uint NextDataSN;
        public uint R2TSN;
        public ulong Lun;
    }

    /// <summary>One connection: login, then the full feature phase, until a violation or the initiator hangs up.</summary>
    sealed class Connection(StrictTarget target, Socket socket)
    {
        readonly byte[] buffer = new byte[1 << 20];
        readonly Dictionary<uint, WriteTask> writes = [];
        readonly object sendLock = new();
        int start;
        int end;
        bool headerDigest;
        bool dataDigest;
        int initiatorMaxRecv = 8192;
        uint statSN = 1;
        uint expCmdSN;
        uint nextTransferTag = 0x100;
        int commands;
        string? protocolError;

        StrictTargetOptions Options => target.Options;
        uint MaxCmdSN => expCmdSN + (uint)Options.Window - 1;

        public async Task RunAsync()
        {
            try
            {
                if (!await LoginAsync()) return;
                Interlocked.Increment(ref target.loggedIn);
                await FullFeatureAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                // The initiator hung up, or the test ended.
            }
            catch (Exception e)
            {
                target.Violation($"target failure: {e}");
            }
            finally
            {
                if (protocolError is not null) target.Violation(protocolError);
                socket.Dispose();
            }
        }

        bool Fail(string what)
        {
            protocolError ??= what;
            socket.Dispose();
            return false;
        }

        // ---- reading whole PDUs ----

        /// <summary>
        /// The next PDU, or null when the initiator hung up. A receive that ends inside a PDU
        /// (with room left in the buffer) means the PDU was sent in more than one write.
        /// </summary>
        async Task<(byte[] Header, byte[] Data)?> ReadAsync()
        {
            while (true)
            {
                if (TryParse(out var pdu)) return pdu;
                if (protocolError is not null) return null;
                if (end > start)
                {
                    protocolError = $"a {Bhs.Opcode(buffer.AsSpan(start))} PDU arrived split: one receive ended {end - start} bytes into it";
                    return null;
                }
                if (start == end) start = end = 0;
                var n = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, target.stop.Token);
                if (n == 0) return null;
                end += n;
            }
        }

        bool TryParse(out (byte[] Header, byte[] Data) pdu)
        {
            pdu = default;
            var available = end - start;
            if (available < Bhs.Length) return false;
            var header = buffer.AsSpan(start, Bhs.Length);
            var ahs = Bhs.TotalAhsLength(header);
            var length = Bhs.DataSegmentLength(header);
            var padded = length + Bhs.Padding(length);
            var total = Bhs.Length + ahs + (headerDigest ? 4 : 0) + padded + (dataDigest && length > 0 ? 4 : 0);
            if (total > buffer.Length) { protocolError = $"a PDU of {total} bytes"; return false; }
            if (available < total) return false;
            var at = start + Bhs.Length + ahs;
            if (headerDigest)
            {
                var crc = Crc32C.Compute(buffer.AsSpan(start, Bhs.Length + ahs));
                if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(at)) != crc)
                {
                    protocolError = $"header digest mismatch on a {Bhs.Opcode(header)} PDU";
                    return false;
                }
                at += 4;
            }
            var data = buffer.AsSpan(at, length).ToArray();
            if (dataDigest && length > 0)
            {
                var crc = Crc32C.Compute(buffer.AsSpan(at, padded));
                if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(at + padded)) != crc)
                {
                    protocolError = $"data digest mismatch on a {Bhs.Opcode(header)} PDU";
                    return false;
                }
            }
            pdu = (header.ToArray(), data);
            start += total;
            return true;
        }

        // ---- writing ----

        void Send(byte[] header, ReadOnlySpan<byte> data = default)
        {
            var padded = data.Length + Bhs.Padding(data.Length);
            var pdu = new byte[Bhs.Length + (headerDigest ? 4 : 0) + padded + (dataDigest && data.Length > 0 ? 4 : 0)];
            header.CopyTo(pdu, 0);
            var at = Bhs.Length;
            if (headerDigest)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(pdu.AsSpan(at), Crc32C.Compute(header));
                at += 4;
            }
            data.CopyTo(pdu.AsSpan(at));
            if (dataDigest && data.Length > 0) BinaryPrimitives.WriteUInt32LittleEndian(pdu.AsSpan(at + padded), Crc32C.Compute(pdu.AsSpan(at, padded)));
            lock (sendLock) socket.Send(pdu);
        }

        // ---- login ----

        async Task<bool> LoginAsync()
        {
            var first = true;
            var chapState = 0;   // 0: none yet, 1: AuthMethod=CHAP sent, 2: challenge sent, 3: authenticated
            ChapAlgorithm meaning = ChapAlgorithm.Md5;
            byte chapId = 0;
            var challenge = new byte[16];
            var offered = new Dictionary<string, string>();
            while (true)
            {
                var pdu = await ReadAsync();
                if (pdu is null) return false;
                var (h, d) = pdu.Value;
                if (Bhs.Opcode(h) != IscsiOpcode.LoginRequest) return Fail($"opcode {Bhs.Opcode(h)} during login");
                var login = LoginRequestHeader.Read(h);
                var keys = TextCodec.Decode(d);
                var answer = new List<TextKeyValue>();
                if (first)
                {
                    foreach (var (k, v) in Options.FirstResponseKeys) answer.Add(new TextKeyValue(k, v));
                    first = false;
                }
                string? Key(string name) => keys.Where(k => k.Key == name).Select(k => k.Value).FirstOrDefault();
                var transit = login.Transit;
                var next = login.NextStage;
                if (login.CurrentStage == LoginStage.SecurityNegotiation)
                {
                    if (Key("AuthMethod") is { } methods)
                    {
                        var list = methods.Split(',');
                        if (Options.ChapSecret is null) answer.Add(new TextKeyValue("AuthMethod", list.Contains("None") ? "None" : "Reject"));
                        else if (!list.Contains("CHAP"))
                        {
                            answer.Add(new TextKeyValue("AuthMethod", "Reject"));
                            transit = false;
                        }
                        else
                        {
                            answer.Add(new TextKeyValue("AuthMethod", "CHAP"));
                            chapState = 1;
                            transit = false;
                        }
                    }
                    else if (chapState == 1 && Key("CHAP_A") is { } algorithms)
                    {
                        var offeredNumbers = algorithms.Split(',').Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToList();
                        var chosen = offeredNumbers.FirstOrDefault(Options.ChapAlgorithmsKnown.Contains);
                        if (chosen == 0) return await LoginFailAsync(login, 2, 1);
                        meaning = chosen == 7 && Options.ChapSevenIsSha1 ? ChapAlgorithm.Sha1 : (ChapAlgorithm)chosen;
                        chapId = (byte)Random.Shared.Next(256);
                        Random.Shared.NextBytes(challenge);
                        answer.Add(new TextKeyValue("CHAP_A", chosen.ToString(CultureInfo.InvariantCulture)));
                        answer.Add(new TextKeyValue("CHAP_I", chapId.ToString(CultureInfo.InvariantCulture)));
                        answer.Add(new TextKeyValue("CHAP_C", Chap.EncodeHex(challenge)));
                        chapState = 2;
                        transit = false;
                    }
                    else if (chapState == 2 && Key("CHAP_R") is { } response)
                    {
                        var expected = Chap.Response(meaning, chapId, Encoding.UTF8.GetBytes(Options.ChapSecret!), challenge);
                        if (Key("CHAP_N") != Options.ChapUser || !Chap.DecodeBinary(response, 64).AsSpan().SequenceEqual(expected))
                            return await LoginFailAsync(login, 2, 1);
                        chapState = 3;
                    }
                    if (transit && Options.ChapSecret is not null && chapState != 3) return await LoginFailAsync(login, 2, 1);
                }
                else if (login.CurrentStage == LoginStage.OperationalNegotiation)
                {
                    if (Options.ChapSecret is not null && chapState != 3) return await LoginFailAsync(login, 2, 1);
                    foreach (var k in keys) offered[k.Key] = k.Value;
                    foreach (var k in keys)
                    {
                        if (Options.OperationalAnswers.TryGetValue(k.Key, out var ours))
                        {
                            // A list key answers with our value only when the initiator offered it.
                            if (k.Key.EndsWith("Digest", StringComparison.Ordinal) && !k.Value.Split(',').Contains(ours)) ours = "None";
                            answer.Add(new TextKeyValue(k.Key, ours));
                        }
                        else if (k.Key.EndsWith("Digest", StringComparison.Ordinal)) answer.Add(new TextKeyValue(k.Key, "None"));
                        else if (k.Key != "MaxRecvDataSegmentLength") answer.Add(new TextKeyValue(k.Key, k.Value));
                    }
                    answer.Add(new TextKeyValue("MaxRecvDataSegmentLength", Options.MaxRecvDataSegmentLength.ToString(CultureInfo.InvariantCulture)));
                    if (offered.TryGetValue("MaxRecvDataSegmentLength", out var theirs)) initiatorMaxRecv = int.Parse(theirs, CultureInfo.InvariantCulture);
                    headerDigest = answer.Any(a => a.Key == "HeaderDigest" && a.Value == "CRC32C");
                    dataDigest = answer.Any(a => a.Key == "DataDigest" && a.Value == "CRC32C");
                }
                var text = TextCodec.Encode(answer);
                var response2 = new byte[Bhs.Length];
                new LoginResponseHeader
                {
                    Transit = transit,
                    CurrentStage = login.CurrentStage,
                    NextStage = transit ? next : login.CurrentStage,
                    Isid = login.Isid,
                    Tsih = 7,
                    InitiatorTaskTag = login.InitiatorTaskTag,
                    StatSN = statSN++,
                    ExpCmdSN = login.CmdSN,
                    MaxCmdSN = login.CmdSN + (uint)Options.Window - 1,
                    DataSegmentLength = text.Length,
                }.Write(response2);
                var wasDigest = (headerDigest, dataDigest);
                // Digests start after the final login response.
                (headerDigest, dataDigest) = (false, false);
                Send(response2, text);
                (headerDigest, dataDigest) = wasDigest;
                if (transit && next == LoginStage.FullFeaturePhase)
                {
                    expCmdSN = login.CmdSN;
                    return true;
                }
            }
        }

        async Task<bool> LoginFailAsync(LoginRequestHeader login, byte statusClass, byte detail)
        {
            var response = new byte[Bhs.Length];
            new LoginResponseHeader
            {
                CurrentStage = login.CurrentStage,
                NextStage = login.CurrentStage,
                InitiatorTaskTag = login.InitiatorTaskTag,
                StatSN = statSN++,
                ExpCmdSN = login.CmdSN,
                MaxCmdSN = login.CmdSN,
                StatusClass = statusClass,
                StatusDetail = detail,
            }.Write(response);
            Send(response);
            await Task.Delay(50);
            socket.Dispose();
            return false;
        }

        // ---- full feature phase ----

        async Task FullFeatureAsync()
        {
            while (true)
            {
                var pdu = await ReadAsync();
                if (pdu is null) return;
                var (h, d) = pdu.Value;
                var opcode = Bhs.Opcode(h);
                if (opcode is IscsiOpcode.ScsiCommand or IscsiOpcode.NopOut or IscsiOpcode.TextRequest or IscsiOpcode.LogoutRequest or IscsiOpcode.TaskManagementRequest)
                {
                    var sn = BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(24));
                    var immediate = Bhs.IsImmediate(h);
                    // An answer to our NOP-In (ITT reserved) carries the current CmdSN too.
                    if (sn != expCmdSN)
                    {
                        Fail($"CmdSN error: {(immediate ? "immediate " : "")}{opcode} with CmdSN {sn} where ExpCmdSN is {expCmdSN}");
                        return;
                    }
                    if (!immediate) expCmdSN++;
                }
                switch (opcode)
                {
                    case IscsiOpcode.ScsiCommand:
                        if (!OnCommand(ScsiCommandHeader.ReadFrom(h), h, d)) return;
                        if (Options.NopInEvery > 0 && ++commands % Options.NopInEvery == 0) SendNopIn();
                        break;
                    case IscsiOpcode.DataOut:
                        if (!OnDataOut(DataOutHeader.Read(h), d)) return;
                        break;
                    case IscsiOpcode.NopOut:
                    {
                        var nop = NopOutHeader.Read(h);
                        if (nop.InitiatorTaskTag == Bhs.ReservedTag) break;   // the answer to our NOP-In
                        var reply = new byte[Bhs.Length];
                        new NopInHeader { InitiatorTaskTag = nop.InitiatorTaskTag, TargetTransferTag = Bhs.ReservedTag, StatSN = statSN++, ExpCmdSN = expCmdSN, MaxCmdSN = MaxCmdSN, DataSegmentLength = d.Length }.Write(reply);
                        Send(reply, d);
                        break;
                    }
                    case IscsiOpcode.TextRequest:
                    {
                        var text = TextRequestHeader.Read(h);
                        var data = TextCodec.Encode([new TextKeyValue("TargetName", Name), new TextKeyValue("TargetAddress", $"{target.Portal.Host}:{target.Portal.Port},1")]);
                        var reply = new byte[Bhs.Length];
                        new TextResponseHeader { Final = true, InitiatorTaskTag = text.InitiatorTaskTag, TargetTransferTag = Bhs.ReservedTag, StatSN = statSN++, ExpCmdSN = expCmdSN, MaxCmdSN = MaxCmdSN, DataSegmentLength = data.Length }.Write(reply);
                        Send(reply, data);
                        break;
                    }
                    case IscsiOpcode.TaskManagementRequest:
                    {
                        var reply = new byte[Bhs.Length];
                        new TaskManagementResponseHeader { Response = 0, InitiatorTaskTag = Bhs.InitiatorTaskTag(h), StatSN = statSN++, ExpCmdSN = expCmdSN, MaxCmdSN = MaxCmdSN }.Write(reply);
                        Send(reply);
                        break;
                    }
                    case IscsiOpcode.LogoutRequest:
                    {
                        var reply = new byte[Bhs.Length];
                        new LogoutResponseHeader { InitiatorTaskTag = Bhs.InitiatorTaskTag(h), StatSN = statSN++, ExpCmdSN = expCmdSN, MaxCmdSN = MaxCmdSN }.Write(reply);
                        Send(reply);
                        return;
                    }
                    default:
                        Fail($"unexpected opcode {opcode}");
                        return;
                }
            }
        }

        void SendNopIn()
        {
            var nop = new byte[Bhs.Length];
            new NopInHeader { InitiatorTaskTag = Bhs.ReservedTag, TargetTransferTag = nextTransferTag++, StatSN = statSN, ExpCmdSN = expCmdSN, MaxCmdSN = MaxCmdSN }.Write(nop);
            Send(nop);
        }

        bool OnCommand(ScsiCommandHeader c, byte[] h, byte[] immediateData)
        {
            var cdb = ScsiCommandHeader.Cdb(h);
            if (Options.DropOnWrite && cdb[0] == 0x2A)
            {
                socket.Dispose();   // as a target that gave up on the write would
                return false;
            }
            if (immediateData.Length > 0) return Fail("immediate data although ImmediateData=No");
            if (c.Write && !c.Final) return Fail("a write expecting unsolicited Data-Out although InitialR2T=Yes");
            switch (cdb[0])
            {
                case 0x28:   // READ(10)
                {
                    var (lba, blocks) = (BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]), BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]));
                    var length = blocks * BlockSize;
                    if (length != c.ExpectedDataTransferLength) return Fail("READ length differs from the expected transfer length");
                    var dataSN = 0u;
                    for (var offset = 0; offset < length;)
                    {
                        var chunk = Math.Min(length - offset, initiatorMaxRecv);
                        var last = offset + chunk == length;
                        var din = new byte[Bhs.Length];
                        new DataInHeader
                        {
                            Final = last, HasStatus = last, Status = 0, InitiatorTaskTag = c.InitiatorTaskTag, TargetTransferTag = Bhs.ReservedTag,
                            StatSN = last ? statSN++ : 0, ExpCmdSN = expCmdSN, MaxCmdSN = MaxCmdSN, DataSN = dataSN++, BufferOffset = (uint)offset, DataSegmentLength = chunk,
                        }.Write(din);
                        Send(din, target.Disk.AsSpan((int)(lba * BlockSize) + offset, chunk));
                        offset += chunk;
                    }
                    if (length == 0) Respond(c.InitiatorTaskTag);
                    return true;
                }
                case 0x2A:   // WRITE(10)
                {
                    var (lba, blocks) = (BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]), BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]));
                    var length = blocks * BlockSize;
                    if (length != c.ExpectedDataTransferLength || !c.Write) return Fail("WRITE without the W bit or with another length");
                    var task = new WriteTask { Tag = c.InitiatorTaskTag, Lba = lba, Length = length, Data = new byte[length], Lun = c.Lun };
                    writes[task.Tag] = task;
                    SendR2T(task);
                    return true;
                }
                case 0x25:   // READ CAPACITY(10)
                {
                    var data = new byte[8];
                    BinaryPrimitives.WriteUInt32BigEndian(data, (uint)(Options.Blocks - 1));
                    BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), BlockSize);
                    var din = new byte[Bhs.Length];
                    new DataInHeader { Final = true, HasStatus = true, InitiatorTaskTag = c.InitiatorTaskTag, TargetTransferTag = Bhs.ReservedTag, StatSN = statSN++, ExpCmdSN = expCmdSN, MaxCmdSN = MaxCmdSN, DataSegmentLength = 8 }.Write(din);
                    Send(din, data);
                    return true;
                }
                default:
                    if (c.Read || c.Write) return Fail($"opcode 0x{cdb[0]:X2} with data");
                    Respond(c.InitiatorTaskTag);
                    return true;
            }
        }

        void SendR2T(WriteTask task)
        {
            task.BurstEnd = Math.Min(task.Length, task.Received + Options.MaxBurstLength);
            task.TransferTag = nextTransferTag++;
            task.NextDataSN = 0;
            var r2t = new byte[Bhs.Length];
            new ReadyToTransferHeader
            {
                Lun = task.Lun, InitiatorTaskTag = task.Tag, TargetTransferTag = task.TransferTag, StatSN = statSN, ExpCmdSN = expCmdSN, MaxCmdSN = MaxCmdSN,
                R2TSN = task.R2TSN++, BufferOffset = (uint)task.Received, DesiredDataTransferLength = (uint)(task.BurstEnd - task.Received),
            }.Write(r2t);
            Send(r2t);
        }

        bool OnDataOut(DataOutHeader h, byte[] data)
        {
            if (!writes.TryGetValue(h.InitiatorTaskTag, out var task)) return Fail($"Data-Out for task 0x{h.InitiatorTaskTag:X8}, which has no R2T");
            if (h.TargetTransferTag != task.TransferTag) return Fail($"Data-Out with TTT 0x{h.TargetTransferTag:X8} where 0x{task.TransferTag:X8} was asked for");
            if (h.DataSN != task.NextDataSN) return Fail($"Data-Out DataSN {h.DataSN} where {task.NextDataSN} was due");
            if (h.BufferOffset != task.Received) return Fail($"Data-Out at offset {h.BufferOffset} where {task.Received} was due");
            if (data.Length > Options.MaxRecvDataSegmentLength) return Fail($"Data-Out of {data.Length} bytes, past MaxRecvDataSegmentLength {Options.MaxRecvDataSegmentLength}");
            if (task.Received + data.Length > task.BurstEnd) return Fail("Data-Out past the end of the burst the R2T asked for");
            data.CopyTo(task.Data, task.Received);
            task.Received += data.Length;
            task.NextDataSN++;
            var burstDone = task.Received == task.BurstEnd;
            if (h.Final != burstDone) return Fail($"Data-Out final bit {(h.Final ? "set" : "clear")} at {task.Received} of a burst ending at {task.BurstEnd}");
            if (!burstDone) return true;
            if (task.Received < task.Length)
            {
                SendR2T(task);
                return true;
            }
            writes.Remove(task.Tag);
            task.Data.CopyTo(target.Disk, (int)(task.Lba * BlockSize));
            Respond(task.Tag);
            return true;
        }

        void Respond(uint tag)
        {
            var response = new byte[Bhs.Length];
            new ScsiResponseHeader { InitiatorTaskTag = tag, StatSN = statSN++, ExpCmdSN = expCmdSN, MaxCmdSN = MaxCmdSN }.Write(response);
            Send(response);
        }
    }
}

/// <summary>How a <see cref="StrictTarget"/> behaves.</summary>
public sealed record StrictTargetOptions
{
    /// <summary>Keys in the first login response (TargetPortalGroupTag belongs there, RFC 7143 section 13.9).</summary>
    public (string Key, string Value)[] FirstResponseKeys { get; init; } = [("TargetPortalGroupTag", "1")];
    /// <summary>Our answers to the initiator's operational offers; anything else is echoed (digests: None).</summary>
    public Dictionary<string, string> OperationalAnswers { get; init; } = new()
    {
        ["InitialR2T"] = "Yes",
        ["ImmediateData"] = "No",
        ["MaxBurstLength"] = "8192",
        ["FirstBurstLength"] = "8192",
        ["MaxOutstandingR2T"] = "1",
    };
    public int MaxRecvDataSegmentLength { get; init; } = 8192;
    public int MaxBurstLength { get; init; } = 8192;
    public int Window { get; init; } = 32;
    public int Blocks { get; init; } = 2048;
    /// <summary>Send a NOP-In that wants an answer after every this many commands (0: never).</summary>
    public int NopInEvery { get; init; }
    /// <summary>Drop the connection when a WRITE arrives (a target that keeps failing one command).</summary>
    public bool DropOnWrite { get; init; }
    /// <summary>Demand CHAP with this name and secret (null: no authentication).</summary>
    public string? ChapUser { get; init; }
    public string? ChapSecret { get; init; }
    /// <summary>CHAP_A values the target knows; it picks the first of the initiator's offer that is among them.</summary>
    public int[] ChapAlgorithmsKnown { get; init; } = [7, 5];
    /// <summary>Read CHAP_A=7 as SHA-1, as tgtd does (an old draft's number).</summary>
    public bool ChapSevenIsSha1 { get; init; }
}
