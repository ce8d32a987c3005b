using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Block;
using IscsiDhcp.Common;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// Copy-IscsiLun: a range of a LUN to a file, or a file into a LUN, hashed on the way
    /// (SHA-256), and read back once to compare with -Verify. A block-aligned range goes through
    /// <see cref="CopyPipeline"/> (several commands in flight, the hash off the I/O path); an
    /// unaligned one through a <see cref="LunStream"/>, a chunk at a time.
    /// </summary>
    public sealed class CopyIscsiLunOperation
    {
        const int ChunkSize = 1 << 20;
        readonly IIscsiDhcpService service;

        public CopyIscsiLunOperation(IIscsiDhcpService service) => this.service = service;

        public IscsiSessionSelector Selector { get; } = new();
        public int Lun { get; set; }
        public string Path { get; set; } = "";
        public IscsiCopyDirection Direction { get; set; }
        /// <summary>Where the range starts in the LUN, in bytes.</summary>
        public long Offset { get; set; }
        /// <summary>How many bytes; by default to the end of the LUN (LunToFile) or the whole file (FileToLun).</summary>
        public long? Length { get; set; }
        public bool Verify { get; set; }
        public bool PassThru { get; set; }

        public async Task RunAsync(ICommandHost host)
        {
            if (string.IsNullOrWhiteSpace(Path)) throw new ArgumentException("-Path is empty");
            if (Offset < 0) throw new ArgumentException($"-Offset {Offset} is negative");
            if (Length < 0) throw new ArgumentException($"-Length {Length} is negative");
            if (Directory.Exists(Path)) throw new ArgumentException($"-Path {Path} is a directory; give the path of a file");
            var session = await Selector.SelectOneAsync(service, host).ConfigureAwait(false);
            if (session is null) return;
            var toLun = Direction == IscsiCopyDirection.FileToLun;
            var cancel = host.Cancellation;
            using var lun = new LunStream(await service.OpenBlockDeviceAsync(session.SessionIdentifier, Lun, toLun, cancel).ConfigureAwait(false), writable: toLun);
            var device = lun.Device;
            var lunName = $"LUN {Lun} of {session.TargetNodeAddress}";
            var fileLength = toLun ? new FileInfo(Path).Length : 0;   // FileNotFoundException names the path
            if (Offset > 0 && Offset >= lun.Length)
                throw new ArgumentException($"-Offset {Offset} is past the end of {lunName} ({lun.Length} bytes)");
            var length = Length ?? (toLun ? fileLength : lun.Length - Offset);
            if (Offset + length > lun.Length)
                throw new ArgumentException($"-Offset {Offset} and -Length {length} run past the end of {lunName} ({lun.Length} bytes)");
            if (toLun && length > fileLength) throw new ArgumentException($"-Length {length} is more than the {fileLength} bytes of {Path}");

            var confirmed = toLun
                ? host.ShouldProcess(lunName, $"Overwrite {length} bytes at offset {Offset} with {Path}")
                : host.ShouldProcess(Path, $"Write {length} bytes of {lunName} from offset {Offset}");
            if (!confirmed) return;

            var clock = Stopwatch.StartNew();
            // A LUN is copied into a file beside the destination that takes its name only once
            // complete (and verified): a cancelled or failed copy leaves no half-written file, and
            // an older file of that name stays as it was.
            var partial = toLun ? null : PartialPath(Path);
            string hash;
            var verified = false;
            try
            {
                using (var file = toLun
                           ? new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: false)
                           : new FileStream(partial!, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Write, 1 << 16, useAsync: false))
                // A second handle of the partial file (its name is ours alone), unbuffered: the chunks go
                // through it to the disk with direct I/O, or where that is refused it flushes the file to
                // disk while the copy runs (CopyPipeline.FileEnd).
                using (var second = toLun ? null : new FileStream(partial!, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, useAsync: false))
                {
                    var fileEnd = second is null ? new CopyPipeline.FileEnd(file) : new CopyPipeline.FileEnd(file, second);
                    try
                    {
                        var activity = $"Copying {(toLun ? $"{Path} to {lunName}" : $"{lunName} to {Path}")}";
                        var aligned = Offset % device.BlockSize == 0 && length % device.BlockSize == 0;
                        var pipeline = new CopyPipeline(host, cancel);
                        var lunEnd = new CopyPipeline.LunEnd(device, Offset);
                        lun.Position = Offset;
                        var (source, destination) = toLun ? ((Stream)file, (Stream)lun) : (lun, file);
                        hash = aligned
                            ? await pipeline.RunAsync(toLun ? fileEnd : lunEnd, toLun ? lunEnd : fileEnd, length, activity).ConfigureAwait(false)
                            : await CopyAsync(source, destination, length, activity, host, cancel).ConfigureAwait(false);
                        if (aligned && toLun) await device.FlushAsync(cancel).ConfigureAwait(false);
                        else await destination.FlushAsync(cancel).ConfigureAwait(false);
                        if (Verify)
                        {
                            destination.Position = toLun ? Offset : 0;
                            if (!toLun) DirectIo.PrefetchWhole(file.SafeFileHandle);
                            var readBack = aligned
                                ? await pipeline.RunAsync(toLun ? lunEnd : fileEnd, null, length, "Verifying").ConfigureAwait(false)
                                : await CopyAsync(destination, Stream.Null, length, "Verifying", host, cancel).ConfigureAwait(false);
                            if (readBack != hash)
                                throw new InvalidDataException($"verification failed: {(toLun ? lunName : Path)} reads back with SHA-256 {readBack}, not the {hash} that was copied");
                            verified = true;
                        }
                        await fileEnd.SettleAsync().ConfigureAwait(false);
                        if (!toLun) file.Flush(flushToDisk: true);
                    }
                    finally
                    {
                        // Never close the file under a flush of it that is still running.
                        try { await fileEnd.SettleAsync().ConfigureAwait(false); }
                        catch (IOException e) { GC.KeepAlive(e); }   // the copy failed already, or the flush above reports it
                    }
                }
                cancel.ThrowIfCancellationRequested();
                if (partial is not null) Replace(partial, Path);
                partial = null;
            }
            finally
            {
                if (partial is not null) TryDelete(partial);
            }
            clock.Stop();
            host.WriteVerbose($"copied {length} bytes in {clock.Elapsed.TotalSeconds:0.###} s, SHA-256 {hash}{(verified ? ", verified" : "")}");
            if (!PassThru) return;
            host.WriteObject(new IscsiCopyResult
            {
                Direction = Direction,
                Source = toLun ? Path : lunName,
                Destination = toLun ? lunName : Path,
                Offset = Offset,
                Bytes = length,
                Duration = clock.Elapsed,
                MegabytesPerSecond = Math.Round(length / 1e6 / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), 1),
                Sha256 = hash,
                Verified = verified,
            });
        }

        /// <summary>A hidden name beside <paramref name="path"/> (same directory, so the rename stays on one file system).</summary>
        static string PartialPath(string path)
        {
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
            return System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        }

        /// <summary>Gives the finished copy its name, in one rename when a file of that name exists.</summary>
        static void Replace(string finished, string path)
        {
            if (File.Exists(path)) File.Replace(finished, path, destinationBackupFileName: null);
            else File.Move(finished, path);
        }

        static void TryDelete(string path)
        {
            try { File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        /// <summary>
        /// Moves <paramref name="length"/> bytes of an unaligned range through streams, reading
        /// each chunk while the one before is written; returns their SHA-256.
        /// </summary>
        static async Task<string> CopyAsync(Stream source, Stream destination, long length, string activity, ICommandHost host, CancellationToken cancel)
        {
            using var sha = SHA256.Create();
            var buffers = new[] { new byte[ChunkSize], new byte[ChunkSize] };
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            Task writing = Task.CompletedTask;
            long done = 0;
            try
            {
                for (var turn = 0; done < length; turn ^= 1)
                {
                    var buffer = buffers[turn];
                    var want = (int)Math.Min(ChunkSize, length - done);
                    var got = 0;
                    while (got < want)
                    {
                        var n = await source.ReadAsync(buffer, got, want - got, cancel).ConfigureAwait(false);
                        if (n == 0) throw new EndOfStreamException($"the source ended after {done + got} of {length} bytes");
                        got += n;
                    }
                    await writing.ConfigureAwait(false);
                    sha.TransformBlock(buffer, 0, got, null, 0);
                    writing = destination.WriteAsync(buffer, 0, got, cancel);
                    done += got;
                    if (clock.Elapsed - lastReport >= TimeSpan.FromMilliseconds(250))
                    {
                        lastReport = clock.Elapsed;
                        var rate = done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                        host.WriteProgress(new OperationProgress(1, activity, $"{done >> 20} of {length >> 20} MiB, {rate / 1e6:0.0} MB/s",
                            (int)(done * 100 / Math.Max(length, 1)), (int)((length - done) / Math.Max(rate, 1))));
                    }
                }
                await writing.ConfigureAwait(false);
            }
            finally
            {
                host.WriteProgress(new OperationProgress(1, activity, "done", 100, 0, completed: true));
            }
            sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
            return BitConverter.ToString(sha.Hash!).Replace("-", "");
        }
    }
}
