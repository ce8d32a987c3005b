using System.Diagnostics;
using System.Text.Json;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations;
using IscsiDhcp.Operations.Sessions;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Bench;

/// <summary>
/// iscsi-read / iscsi-write: queue-depth workers each keep one command in flight for the
/// given time, sequential or random, like libiscsi's iscsi-perf. Reports IOPS, MB/s, latency
/// percentiles, errors, and heap bytes allocated and CPU time (user+system) per I/O in steady state.
/// With --bytes (or --source FILE for iscsi-write) it moves a fixed amount instead, sequentially from
/// LBA 0, and is timed from the first command to the last completion (and SYNCHRONIZE CACHE with
/// --flush), as a copy tool is: the figure compare-writes.sh sets beside qemu-img and nbdcopy.
/// </summary>
public static class IscsiWorkload
{
    public static async Task<int> RunAsync(bool write, BenchOptions options)
    {
        var portal = TargetAddress.Parse(options.Text("portal"));
        var target = options.Text("target");
        var lun = options.Number("lun", 1);
        var blockBytes = options.Number("block-size", 65536);
        var depth = options.Number("queue-depth", 16);
        var seconds = options.Number("seconds", 10);
        var random = options.Flag("random");
        var supervised = options.Flag("supervised");
        var source = options.OptionalText("source");
        var totalBytes = options.Bytes("bytes");
        var flush = options.Flag("flush");
        if (source is not null && !write) throw new ArgumentException("--source is for iscsi-write");
        if (source is not null && totalBytes == 0) totalBytes = new FileInfo(source).Length;
        var bounded = totalBytes > 0;
        if (bounded && random) throw new ArgumentException("--bytes and --source move data sequentially; leave out --random");
        if (flush && !bounded) throw new ArgumentException("--flush goes with --bytes or --source");

        var settings = new LoginSettings { TargetName = target, InitiatorName = "iqn.2026-11.org.iscsidhcp:bench" };
        var sessionOptions = new IscsiSessionOptions { QueueDepth = depth };
        // --supervised: through the service seam to a supervised session, as the cmdlets go (keep-alive, replay on reconnect).
        IScsiTransport transport;
        Func<long> moved;
        Func<Task> close;
        if (supervised)
        {
            var service = new InProcessService();
            var started = await service.StartSessionAsync(new IscsiSessionRequest(portal, settings, sessionOptions), CancellationToken.None);
            var id = (await service.WaitForLoginAsync(started.SessionIdentifier, CancellationToken.None)).SessionIdentifier;
            transport = await service.OpenTransportAsync(id, CancellationToken.None);
            IscsiSessionStatus Status() => service.GetSessionsAsync(CancellationToken.None).Result.Single(s => s.SessionIdentifier == id);
            moved = () => write ? Status().BytesWritten : Status().BytesRead;
            close = () => service.DisconnectSessionAsync(id, force: false, CancellationToken.None);
        }
        else
        {
            var session = await IscsiProtocolSession.LoginAsync(portal, settings, sessionOptions);
            transport = session;
            moved = () => write ? session.BytesWritten : session.BytesRead;
            close = () => session.LogoutAsync(TimeSpan.FromSeconds(5));
        }
        var device = new ScsiDevice(transport, lun);
        var capacity = await device.ReadCapacityAsync();
        if (blockBytes % capacity.BlockSize != 0) throw new ArgumentException($"--block-size must be a multiple of the LUN's {capacity.BlockSize}-byte blocks");
        var blocksPerIo = (ulong)(blockBytes / capacity.BlockSize);
        var slots = capacity.BlockCount / blocksPerIo;
        if (bounded)
        {
            if (totalBytes % capacity.BlockSize != 0 || (ulong)totalBytes > capacity.BlockCount * capacity.BlockSize)
                throw new ArgumentException($"--bytes must be whole {capacity.BlockSize}-byte blocks and fit the LUN ({capacity.BlockCount * capacity.BlockSize} bytes)");
            try { return await RunBoundedAsync(write, device, capacity.BlockSize, blockBytes, depth, totalBytes, source, flush, supervised, portal, moved); }
            finally { await close(); }
        }

        var latencies = new long[depth][];
        var counts = new int[depth];
        var errors = 0;
        var nextSlot = 0L;
        using var stop = new CancellationTokenSource();
        var warmup = TimeSpan.FromSeconds(Math.Min(2, seconds / 2.0));
        long allocatedAtStart = 0;
        var measuring = false;

        async Task Worker(int id)
        {
            var buffer = new byte[blockBytes];
            Random.Shared.NextBytes(buffer);
            var rng = new Random(id);
            latencies[id] = new long[4_000_000 / depth];
            var clock = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested)
            {
                var slot = random ? (ulong)rng.NextInt64((long)slots) : (ulong)Interlocked.Increment(ref nextSlot) % slots;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    if (write) await device.WriteAsync(slot * blocksPerIo, buffer, capacity.BlockSize);
                    else await device.ReadAsync(slot * blocksPerIo, buffer, capacity.BlockSize);
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }
                if (Volatile.Read(ref measuring) && counts[id] < latencies[id].Length)
                    latencies[id][counts[id]++] = Stopwatch.GetTimestamp() - started;
            }
        }

        var workers = Enumerable.Range(0, depth).Select(i => Task.Run(() => Worker(i))).ToArray();
        await Task.Delay(warmup);
        var bytesAtStart = moved();
        allocatedAtStart = GC.GetTotalAllocatedBytes(precise: true);
        var process = Process.GetCurrentProcess();
        var cpuAtStart = process.TotalProcessorTime;
        Volatile.Write(ref measuring, true);
        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, false);
        var elapsed = window.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuAtStart;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedAtStart;
        var bytes = moved() - bytesAtStart;
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        await close();

        var all = latencies.SelectMany((l, i) => l.Take(counts[i])).Order().ToArray();
        var ios = all.Length;
        double Percentile(double p) => ios == 0 ? 0 : all[Math.Min(ios - 1, (int)(p * ios))] * 1e6 / Stopwatch.Frequency;
        var result = new
        {
            scenario = write ? "iscsi-write" : "iscsi-read",
            supervised,
            portal = portal.ToString(),
            blockSize = blockBytes,
            queueDepth = depth,
            random,
            seconds = Math.Round(elapsed, 2),
            ios,
            iops = Math.Round(ios / elapsed),
            mbPerSec = Math.Round(bytes / elapsed / 1e6, 1),
            p50Us = Math.Round(Percentile(0.50), 1),
            p99Us = Math.Round(Percentile(0.99), 1),
            errors,
            allocatedBytesPerIo = ios == 0 ? 0 : Math.Round((double)allocated / ios),
            // user+system time of this whole process (every thread, the GC's too) over the window.
            cpuUsPerIo = ios == 0 ? 0 : Math.Round(cpu.TotalMilliseconds * 1000 / ios, 2),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return errors == 0 ? 0 : 1;
    }

    /// <summary>
    /// Moves exactly <paramref name="totalBytes"/> from LBA 0 on, <paramref name="depth"/> commands of
    /// <paramref name="blockBytes"/> in flight (the last one shorter), writing <paramref name="source"/>'s
    /// bytes at the same offsets when given (each worker reads its piece from the file just before it
    /// sends it, as a copy tool reads its source) or one random buffer per worker otherwise.
    /// </summary>
    static async Task<int> RunBoundedAsync(bool write, ScsiDevice device, uint blockSize, int blockBytes, int depth, long totalBytes,
        string? source, bool flush, bool supervised, TargetAddress portal, Func<long> moved)
    {
        var pieces = (totalBytes + blockBytes - 1) / blockBytes;
        using var file = source is null ? null : File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        var latencies = new long[depth][];
        var counts = new int[depth];
        var errors = 0;
        var next = -1L;
        var bytesAtStart = moved();
        var allocatedAtStart = GC.GetTotalAllocatedBytes(precise: true);
        var process = Process.GetCurrentProcess();
        var cpuAtStart = process.TotalProcessorTime;

        async Task Worker(int id)
        {
            var buffer = new byte[blockBytes];
            if (file is null) Random.Shared.NextBytes(buffer);
            latencies[id] = new long[pieces / depth + 2];
            while (true)
            {
                var piece = Interlocked.Increment(ref next);
                if (piece >= pieces) return;
                var offset = piece * blockBytes;
                var length = (int)Math.Min(blockBytes, totalBytes - offset);
                var data = buffer.AsMemory(0, length);
                if (file is not null && RandomAccess.Read(file, data.Span, offset) != length)
                    throw new IOException($"{source} ended before {offset + length} bytes");
                var started = Stopwatch.GetTimestamp();
                try
                {
                    if (write) await device.WriteAsync((ulong)(offset / blockSize), data, blockSize);
                    else await device.ReadAsync((ulong)(offset / blockSize), data, blockSize);
                }
                catch (ScsiCommandException)
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }
                if (counts[id] < latencies[id].Length) latencies[id][counts[id]++] = Stopwatch.GetTimestamp() - started;
            }
        }

        var window = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, depth).Select(i => Task.Run(() => Worker(i))));
        if (flush) await device.SynchronizeCacheAsync();
        var elapsed = window.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuAtStart;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedAtStart;
        var bytes = moved() - bytesAtStart;

        var all = latencies.SelectMany((l, i) => l.Take(counts[i])).Order().ToArray();
        var ios = all.Length;
        double Percentile(double p) => ios == 0 ? 0 : all[Math.Min(ios - 1, (int)(p * ios))] * 1e6 / Stopwatch.Frequency;
        var result = new
        {
            scenario = write ? "iscsi-write" : "iscsi-read",
            supervised,
            portal = portal.ToString(),
            blockSize = blockBytes,
            queueDepth = depth,
            source,
            flush,
            bytes,
            seconds = Math.Round(elapsed, 3),
            ios,
            iops = Math.Round(ios / elapsed),
            mbPerSec = Math.Round(bytes / elapsed / 1e6, 1),
            p50Us = Math.Round(Percentile(0.50), 1),
            p99Us = Math.Round(Percentile(0.99), 1),
            errors,
            allocatedBytesPerIo = ios == 0 ? 0 : Math.Round((double)allocated / ios),
            cpuUsPerIo = ios == 0 ? 0 : Math.Round(cpu.TotalMilliseconds * 1000 / ios, 2),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return errors == 0 && bytes == totalBytes ? 0 : 1;
    }
}
