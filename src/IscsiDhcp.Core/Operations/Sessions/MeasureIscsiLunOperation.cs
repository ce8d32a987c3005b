using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Block;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// Measure-IscsiLun: the bench's workload as a cmdlet. QueueDepth workers each keep one
    /// read or write in flight for Duration, sequential or random; IOPS, MB/s and latency
    /// percentiles come out. A write workload overwrites the LUN with random data.
    /// </summary>
    public sealed class MeasureIscsiLunOperation
    {
        const int MaxSamplesPerWorker = 1 << 20;
        readonly IIscsiDhcpService service;

        public MeasureIscsiLunOperation(IIscsiDhcpService service) => this.service = service;

        public IscsiSessionSelector Selector { get; } = new();
        public int Lun { get; set; }
        public IscsiWorkloadMode Mode { get; set; } = IscsiWorkloadMode.Read;
        public int BlockSize { get; set; } = 4096;
        public int QueueDepth { get; set; } = 16;
        public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(10);
        public bool Random { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            if (QueueDepth < 1 || QueueDepth > 1024) throw new ArgumentException($"-QueueDepth {QueueDepth} is not 1 to 1024");
            if (Duration <= TimeSpan.Zero) throw new ArgumentException($"-DurationSec must be positive");
            var session = await Selector.SelectOneAsync(service, host).ConfigureAwait(false);
            if (session is null) return;
            var write = Mode == IscsiWorkloadMode.Write;
            using var device = await service.OpenBlockDeviceAsync(session.SessionIdentifier, Lun, write, host.Cancellation).ConfigureAwait(false);
            if (BlockSize <= 0 || BlockSize % device.BlockSize != 0 || BlockSize > 16 << 20)
                throw new ArgumentException($"-BlockSize {BlockSize} is not a multiple of the LUN's {device.BlockSize}-byte blocks up to 16 MiB");
            var target = $"LUN {Lun} of {session.TargetNodeAddress}";
            if (write && !host.ShouldProcess(target, $"Overwrite blocks of {BlockSize} bytes with random data for {Duration.TotalSeconds:0.#} s")) return;

            var blocksPerIo = (ulong)(BlockSize / device.BlockSize);
            var slots = device.BlockCount / blocksPerIo;
            if (slots == 0) throw new ArgumentException($"-BlockSize {BlockSize} is larger than the LUN");
            var samples = new long[QueueDepth][];
            var counts = new int[QueueDepth];
            long ios = 0, errors = 0, nextSlot = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(host.Cancellation);

            async Task Worker(int id)
            {
                var buffer = new byte[BlockSize];
                var rng = new Random(id * 7919 + Environment.TickCount);
                if (write) rng.NextBytes(buffer);
                samples[id] = new long[Math.Min(MaxSamplesPerWorker, 1 << 16)];
                while (!stop.IsCancellationRequested)
                {
                    var slot = Random ? (ulong)(rng.NextDouble() * slots) % slots : (ulong)(Interlocked.Increment(ref nextSlot) - 1) % slots;
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        if (write) await device.WriteAsync(slot * blocksPerIo, buffer).ConfigureAwait(false);
                        else await device.ReadAsync(slot * blocksPerIo, buffer).ConfigureAwait(false);
                    }
                    catch (Exception) when (!stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref errors);
                        continue;
                    }
                    Interlocked.Increment(ref ios);
                    if (counts[id] == samples[id].Length && counts[id] < MaxSamplesPerWorker) Array.Resize(ref samples[id], counts[id] * 2);
                    if (counts[id] < samples[id].Length) samples[id][counts[id]++] = Stopwatch.GetTimestamp() - started;
                }
            }

            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, QueueDepth).Select(i => Task.Run(() => Worker(i))).ToArray();
            var activity = $"Measuring {Mode.ToString().ToLowerInvariant()}s of {BlockSize} bytes x {QueueDepth} on {target}";
            try
            {
                while (clock.Elapsed < Duration && !host.Cancellation.IsCancellationRequested)
                {
                    var left = Duration - clock.Elapsed;
                    await Task.Delay(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), host.Cancellation).ConfigureAwait(false);
                    var sofar = Interlocked.Read(ref ios);
                    host.WriteProgress(new OperationProgress(2, activity, $"{sofar / clock.Elapsed.TotalSeconds:0} IOPS so far",
                        (int)Math.Min(100, clock.Elapsed.Ticks * 100 / Duration.Ticks), (int)Math.Max(0, (Duration - clock.Elapsed).TotalSeconds)));
                }
            }
            finally
            {
                stop.Cancel();
                await Task.WhenAll(workers).ConfigureAwait(false);
                host.WriteProgress(new OperationProgress(2, activity, "done", 100, 0, completed: true));
            }
            host.Cancellation.ThrowIfCancellationRequested();
            var elapsed = clock.Elapsed;
            // One array sorted in place: 8 bytes per I/O measured, where LINQ's SelectMany, OrderBy and ToArray took ~30.
            var latencies = new long[counts.Sum()];
            for (int i = 0, at = 0; i < samples.Length; at += counts[i], i++) Array.Copy(samples[i], 0, latencies, at, counts[i]);
            Array.Sort(latencies);
            double Percentile(double p) => latencies.Length == 0 ? 0 : Math.Round(latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))] * 1e6 / Stopwatch.Frequency, 1);
            host.WriteObject(new IscsiMeasureResult
            {
                TargetNodeAddress = session.TargetNodeAddress,
                Lun = Lun,
                Mode = Mode,
                BlockSize = BlockSize,
                QueueDepth = QueueDepth,
                Random = Random,
                Duration = elapsed,
                Ios = ios,
                Iops = Math.Round(ios / elapsed.TotalSeconds),
                MegabytesPerSecond = Math.Round(ios * (double)BlockSize / 1e6 / elapsed.TotalSeconds, 1),
                LatencyP50Microseconds = Percentile(0.50),
                LatencyP90Microseconds = Percentile(0.90),
                LatencyP99Microseconds = Percentile(0.99),
                LatencyMaxMicroseconds = Percentile(1.0),
                Errors = errors,
            });
        }
    }
}
